# Old-style manual SGD with .data: weight updates, gradient clamping and zeroing.
import torch

torch.manual_seed(0)
x = torch.randn(32, 5)
y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0], [0.0]]) + 0.1
w = torch.randn(5, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.05

for step in range(20):
    loss = ((x @ w + b - y) ** 2).mean()
    loss.backward()
    w.grad.data.clamp_(-5, 5)
    w.data -= lr * w.grad.data
    b.data = b.data - lr * b.grad.data
    w.grad.data.zero_()
    b.grad.data.zero_()

OUTPUT = {"w": w.detach(), "b": b.detach(), "loss": loss.detach()}
