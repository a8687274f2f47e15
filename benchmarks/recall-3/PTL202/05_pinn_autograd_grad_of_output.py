# Source: https://www.pythontutorials.net/blog/autograd-grad-for-tensor-in-pytorch/
# Pattern: a physics-informed network for Burgers' equation computes `u = model(x, t)` for a batch of
# collocation points and takes `torch.autograd.grad(u, x)` for the derivatives, with no
# `grad_outputs`, although `u` has one value per point.
# error: grad can be implicitly created only for scalar outputs
import math

import torch
from torch import nn


class PINN(nn.Module):
    def __init__(self, hidden=20, layers=3):
        super().__init__()
        blocks = [nn.Linear(2, hidden), nn.Tanh()]
        for _ in range(layers - 1):
            blocks += [nn.Linear(hidden, hidden), nn.Tanh()]
        self.net = nn.Sequential(*blocks, nn.Linear(hidden, 1))

    def forward(self, x, t):
        return self.net(torch.cat([x, t], dim=1))


def pde_residual(model, x, t, nu=0.01 / math.pi):
    u = model(x, t)
    u_x = torch.autograd.grad(u, x, create_graph=True)[0]  # bug: PTL202
    u_t = torch.autograd.grad(u, t, create_graph=True)[0]  # also: PTL202
    u_xx = torch.autograd.grad(u_x.sum(), x, create_graph=True)[0]
    return u_t + u * u_x - nu * u_xx


model = PINN()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(3):
    x = (torch.rand(64, 1) * 2 - 1).requires_grad_(True)
    t = torch.rand(64, 1).requires_grad_(True)
    optimizer.zero_grad()
    loss = pde_residual(model, x, t).pow(2).mean()
    loss.backward()
    optimizer.step()
    print(step, loss.item())
