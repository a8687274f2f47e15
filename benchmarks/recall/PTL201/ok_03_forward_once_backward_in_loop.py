# Source: https://github.com/karpathy/nn-zero-to-hero/issues/31
# Fix: run the forward pass inside the loop, every iteration.
import torch
import torch.nn.functional as F

g = torch.Generator().manual_seed(0)
xs = torch.tensor([0, 5, 13, 13, 1])
ys = torch.tensor([5, 13, 13, 1, 0])
W = torch.randn((27, 27), generator=g, requires_grad=True)

xenc = F.one_hot(xs, num_classes=27).float()

for _k in range(10):
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdim=True)
    loss = -probs[torch.arange(5), ys].log().mean()
    print(loss.item())
    W.grad = None
    loss.backward()
    with torch.no_grad():
        W += -0.1 * W.grad
