import torch

w = torch.randn(3, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
x, y = torch.randn(32, 3), torch.randn(32)
for step in range(5):
    loss = ((x @ w + b - y) ** 2).mean()
    loss.backward()
    w -= 0.1 * w.grad  # expect: PTL205
    b -= 0.1 * b.grad
