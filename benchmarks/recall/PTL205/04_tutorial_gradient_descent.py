# Source: https://github.com/source-separation/tutorial/issues/18
# Pattern: a gradient-descent tutorial section: a mask tensor that requires grad is updated by hand.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch

mixture = torch.rand(64, 10)
source = mixture * (torch.rand(64, 10) > 0.5).float()
mask = torch.rand(64, 10, requires_grad=True)
learning_rate = 1.0

for _iteration in range(5):
    estimate = mask * mixture
    loss = torch.nn.functional.l1_loss(estimate, source)
    loss.backward()
    mask -= learning_rate * mask.grad  # bug: PTL205
    mask.grad.zero_()
