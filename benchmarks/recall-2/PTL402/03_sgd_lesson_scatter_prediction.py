# Source: https://github.com/fastai/course-v3/issues/455
# Pattern: the SGD lesson fits `y = x@a` with `a = nn.Parameter(...)`, updating it by hand under
# `torch.no_grad()`, then scatters `x[:,0]` against the prediction `x@a`, which requires grad.
# (matplotlib is not installed here: `scatter` stands in for `plt.scatter` and converts its
# arguments the same way.)
# error: Can't call numpy() on Tensor that requires grad
# symptom: np.asarray inside the scatter stand-in
import numpy as np
import torch
from torch import nn


def scatter(xs, ys):
    """Stand-in for matplotlib's plt.scatter: it turns its data into arrays first."""
    return np.asarray(xs), np.asarray(ys)  # also: PTL402


n = 100
x = torch.ones(n, 2)
x[:, 0].uniform_(-1.0, 1)
a = torch.tensor([3.0, 2])
y = x @ a + torch.rand(n)


def mse(y_hat, y):
    return ((y_hat - y) ** 2).mean()


a = nn.Parameter(torch.tensor([-1.0, 1]))
lr = 1e-1


def update():
    y_hat = x @ a
    loss = mse(y, y_hat)
    loss.backward()
    with torch.no_grad():
        a.sub_(lr * a.grad)
        a.grad.zero_()


for _t in range(10):
    update()

scatter(x[:, 0], y)
scatter(x[:, 0], x @ a)  # bug: PTL402
