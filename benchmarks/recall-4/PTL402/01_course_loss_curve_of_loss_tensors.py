# Source: https://github.com/CIS-522/course-content/pull/2
# Pattern: a course notebook trains a small network for a number of epochs, appends each epoch's
# `loss` tensor to `losses`, and plots `plt.plot(range(num_epochs), losses)`; matplotlib converts
# the list with numpy and fails on the tensors that require grad. The PR appends `l.detach()`.
# (matplotlib is not installed: `plot` stands in, converting its arguments with `np.asarray` as
# matplotlib does.)
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
from torch import nn


def plot(x, y):
    return np.asarray(x), np.asarray(y)  # bug: PTL402


def train(net, x, y, num_epochs, lr=0.1):
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    losses = []
    for _ in range(num_epochs):
        optimizer.zero_grad()
        l = criterion(net(x), y)
        l.backward()
        optimizer.step()
        losses.append(l)
    return losses


num_epochs = 10
net = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1))
x = torch.linspace(-1, 1, 32).unsqueeze(1)
losses = train(net, x, x**2, num_epochs)
plot(range(num_epochs), losses)
