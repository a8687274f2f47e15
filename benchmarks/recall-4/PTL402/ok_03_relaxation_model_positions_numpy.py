# Source: https://github.com/TorchSim/torch-sim/issues/469
# Pattern: the fix in the issue: the wrapper detaches before converting,
# `state.positions.detach().cpu().numpy()` (and the same for the other fields).
import numpy as np
import torch
from torch import nn


class SimState:
    def __init__(self, positions, atomic_numbers, cell):
        self.positions = positions
        self.atomic_numbers = atomic_numbers
        self.cell = cell


def pair_energy(positions, numbers, cell):
    diff = positions[:, None, :] - positions[None, :, :]
    dist = np.sqrt((diff**2).sum(-1) + np.eye(len(positions)))
    return float(((1.0 / dist) ** 6).sum() * 0.5) * numbers.mean()


class FairChemModel(nn.Module):
    def forward(self, state):
        positions = state.positions.detach().cpu().numpy()
        atomic_numbers = state.atomic_numbers.cpu().numpy()
        cell = state.cell.cpu().numpy()
        energy = pair_energy(positions, atomic_numbers, cell)
        return {"energy": torch.tensor(energy)}


def optimize(model, state, steps=3, lr=0.01):
    state.positions = state.positions.clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS([state.positions], lr=lr, max_iter=2)

    def closure():
        optimizer.zero_grad()
        energy = model(state)["energy"] + (state.positions**2).sum() * 0.0
        energy.backward()
        return energy

    for _ in range(steps):
        optimizer.step(closure)
    return state


model = FairChemModel()
state = SimState(torch.rand(4, 3) * 3, torch.tensor([1, 6, 8, 1]), torch.eye(3) * 5)
print(model(state)["energy"])
optimize(model, state)
