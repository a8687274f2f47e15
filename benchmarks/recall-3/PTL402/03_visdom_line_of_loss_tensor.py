# Source: https://github.com/fossasia/visdom/pull/370
# Pattern: a training loop logs its loss curve with a visdom-style client, `viz.line(X=..., Y=loss)`,
# passing the loss tensor; the client converts tensors with `.numpy()` (the client below does what
# visdom did before the fix, without a server).
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
from torch import nn


class Visdom:
    def __init__(self):
        self.windows = {}

    def line(self, Y, X, win=None, update=None):
        if torch.is_tensor(Y):
            Y = Y.numpy()  # bug: PTL402
        if torch.is_tensor(X):
            X = X.numpy()
        points = self.windows.setdefault(win, [])
        points.append((np.asarray(X).ravel(), np.asarray(Y).ravel()))
        return win


viz = Visdom()
model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
criterion = nn.MSELoss()
for it in range(5):
    x, y = torch.randn(16, 10), torch.randn(16, 1)
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    viz.line(X=torch.tensor([it]), Y=loss.unsqueeze(0), win="loss", update="append")
