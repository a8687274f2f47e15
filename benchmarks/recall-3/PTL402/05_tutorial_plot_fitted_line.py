# Source: https://github.com/EffiSciencesResearch/ML4G-2.0/pull/2
# Pattern: a PyTorch tutorial fits a line with hand-written gradient descent on `w` and `b`
# (`requires_grad=True`) and then plots the data with the fitted line `w * x + b` (matplotlib is not
# installed: `plot` is a stand-in converting with `np.asarray`, as matplotlib does).
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch


def plot(x, y, label=None):
    return np.asarray(x), np.asarray(y)  # bug: PTL402


def fit(x, y, steps=50, lr=0.1):
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for _ in range(steps):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w, b


x = torch.linspace(0, 1, 20)
y = 3 * x + 0.5 + 0.05 * torch.randn(20)
w, b = fit(x, y)
plot(x, y, label="data")
plot(x, w * x + b, label="fit")
