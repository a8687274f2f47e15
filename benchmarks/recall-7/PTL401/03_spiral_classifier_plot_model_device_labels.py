# Source: https://github.com/Atcold/NYU-DLSP20/issues/11
# Pattern: the spiral-classification notebook trains on the GPU and then calls `plot_model(X, y, model)`: `X` was
#   moved back with `X = X.cpu()` but `y` was not, and plotting the labels raises "can't convert CUDA tensor to
#   numpy"; the reporter's workaround passes `y.cpu()`; `plot_model` here saves the decision surface and the labelled
#   points with `np.savez` instead of drawing them
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import math
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
N, D, C, H = 100, 2, 3, 32  # samples per class, dimensions, classes, hidden units


def plot_model(X, y, model, path):
    model.cpu()
    mesh = torch.stack(torch.meshgrid(torch.linspace(-1.1, 1.1, 50), torch.linspace(-1.1, 1.1, 50), indexing="ij"))
    with torch.no_grad():
        Z = model(mesh.reshape(2, -1).t()).argmax(dim=1).reshape(50, 50)
    np.savez(path, X=X.numpy(), y=y.numpy(), Z=Z.numpy())  # bug: PTL401


X = torch.zeros(N * C, D).to(device)
y = torch.zeros(N * C, dtype=torch.long).to(device)
for c in range(C):
    index = 0
    t = torch.linspace(0, 1, N)
    inner_var = torch.linspace((2 * math.pi / C) * c, (2 * math.pi / C) * (2 + c), N) + torch.randn(N) * 0.2
    for ix in range(N * c, N * (c + 1)):
        X[ix] = t[index] * torch.FloatTensor((math.sin(inner_var[index]), math.cos(inner_var[index])))
        y[ix] = c
        index += 1

model = nn.Sequential(nn.Linear(D, H), nn.ReLU(), nn.Linear(H, C)).to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-5)
for t in range(200):
    y_pred = model(X)
    loss = criterion(y_pred, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
acc = (y_pred.argmax(dim=1) == y).float().mean()
print(f"[EPOCH]: {t}, [LOSS]: {loss.item():.6f}, [ACCURACY]: {acc:.3f}")

X = X.cpu()
plot_model(X, y, model, os.path.join(tempfile.mkdtemp(), "spiral.npz"))
