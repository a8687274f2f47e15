# Source: https://github.com/EffiSciencesResearch/ML4G-2.0/pull/2
# Pattern: a PyTorch tutorial notebook fits a small model and plots its prediction curve; the plotting helper
#   receives the model output, which requires grad (the PR detaches it before plotting). `plot` stands in for
#   matplotlib's `plt.plot`, which calls `np.asarray` on its arguments
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
import torch.nn as nn


def plot(x, y, label=None):
    return np.asarray(x), np.asarray(y)  # bug: PTL402


torch.manual_seed(0)
xs = torch.linspace(-3, 3, 100).unsqueeze(1)
ys = torch.sin(xs) + 0.1 * torch.randn_like(xs)
model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(50):
    loss = ((model(xs) - ys) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

plot(xs, ys, label="data")
plot(xs, model(xs), label="model")
