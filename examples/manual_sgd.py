"""Linear regression with a hand-written SGD update, as in early PyTorch tutorials."""
import torch

x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 3 * x + 0.5 + 0.1 * torch.randn(100, 1)

w = torch.zeros(1, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.1

for epoch in range(200):
    pred = x @ w + b
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    w.data -= lr * w.grad.data
    b.data -= lr * b.grad.data
    w.grad.data.zero_()
    b.grad.data.zero_()

print("w =", w.data.item(), "b =", b.data.item())
