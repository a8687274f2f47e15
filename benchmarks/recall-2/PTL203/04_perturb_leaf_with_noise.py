# Source: https://github.com/pytorch/pytorch/issues/2940
# Pattern: a tensor optimised directly (created with `requires_grad=True`) is perturbed with Gaussian
# noise in place, `a.add_(noise)`, between optimisation steps.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch

a = torch.rand(5, 5, requires_grad=True)
target = torch.eye(5)
optimizer = torch.optim.SGD([a], lr=0.1)

for _step in range(3):
    loss = ((a @ a.t() - target) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    noise = 0.01 * torch.randn(5, 5)
    a.add_(noise)  # bug: PTL203
