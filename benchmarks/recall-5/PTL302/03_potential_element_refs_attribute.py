# Source: https://github.com/materialyzeai/matgl/pull/133
# Pattern: an interatomic potential keeps per-element reference energies as a plain tensor attribute (the PR
#   made such tensors buffers); moved to the GPU, the model indexes the CPU table with CUDA atomic numbers
# error: Expected all tensors to be on the same device
# symptom: raised in `forward`, where the CPU reference energies meet the CUDA atomic energies (on a real GPU the
#   indexing just before raises "indices should be either on cpu or on the same device as the indexed tensor")
# device: fake-cuda
import torch
import torch.nn as nn


class Potential(nn.Module):
    def __init__(self, model, element_refs, data_std=1.0):
        super().__init__()
        self.model = model
        self.element_refs = torch.tensor(element_refs)  # bug: PTL302
        self.data_std = data_std

    def forward(self, atomic_numbers, features):
        atomic_energies = self.model(features).squeeze(-1) * self.data_std
        return (atomic_energies + self.element_refs[atomic_numbers]).sum()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
refs = [0.0, -13.6, -0.5, -5.3, -14.9, -24.7, -37.8, -54.6, -75.0]
potential = Potential(nn.Sequential(nn.Linear(4, 16), nn.SiLU(), nn.Linear(16, 1)), refs).to(device)
z = torch.tensor([6, 1, 1, 1, 1], device=device)
energy = potential(z, torch.randn(5, 4, device=device))
forces_like = torch.autograd.grad(energy, list(potential.parameters()))
print(energy.item())
