# Source: https://github.com/arthurdouillard/deepcourse/issues/11
# Pattern: a course's autograd notebook trains a two-layer network written with raw tensors
# (`w1`, `w2` with `requires_grad=True`), appends every `loss` tensor to `losses`, and plots
# `plt.plot(epochs, losses)` at the end (matplotlib is not installed: `plot` is a stand-in that
# converts with `np.asarray`, as matplotlib does).
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch


def plot(x, y):
    return np.asarray(x), np.asarray(y)  # bug: PTL402


def model(x, w1, b1, w2, b2):
    return torch.relu(x @ w1 + b1) @ w2 + b2


torch.manual_seed(0)
x = torch.randn(64, 2)
y = (x[:, :1] * x[:, 1:] > 0).float()
w1 = torch.randn(2, 16, requires_grad=True)
b1 = torch.zeros(16, requires_grad=True)
w2 = torch.randn(16, 1, requires_grad=True)
b2 = torch.zeros(1, requires_grad=True)

lr, n_epochs = 0.1, 20
losses = []
for _epoch in range(n_epochs):
    loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x, w1, b1, w2, b2), y)
    losses.append(loss)
    loss.backward()
    with torch.no_grad():
        for p in (w1, b1, w2, b2):
            p -= lr * p.grad
            p.grad.zero_()

epochs = list(range(n_epochs))
plot(epochs, losses)
