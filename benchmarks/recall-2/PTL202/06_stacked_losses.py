# Source: https://github.com/Lightning-AI/pytorch-lightning/issues/4073
# Pattern: the reduction from the thread: two cross-entropy losses of the same prediction are stacked
# (as DataParallel gathers one loss per device) and `backward()` is called on the stack of two.
# error: grad can be implicitly created only for scalar outputs
import torch

prediction = torch.rand(8, 2, requires_grad=True)

x = torch.nn.functional.cross_entropy(
    prediction,
    torch.ones(len(prediction), dtype=torch.long, device=prediction.device),
)

y = torch.nn.functional.cross_entropy(
    prediction,
    torch.ones(len(prediction), dtype=torch.long, device=prediction.device),
)
losses = torch.stack((x, y))
losses.backward()  # bug: PTL202
