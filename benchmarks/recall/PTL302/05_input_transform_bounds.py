# Source: https://github.com/meta-pytorch/botorch/pull/1035
# Pattern: a normalising input transform keeps its bounds as plain tensor attributes; the model (with
# the transform as a submodule) is moved to the GPU.
# error: Expected all tensors to be on the same device
# symptom: the transform's forward on cuda input
# device: fake-cuda
import torch
from torch import nn


class Normalize(nn.Module):
    def __init__(self, d, bounds=None):
        super().__init__()
        if bounds is None:
            bounds = torch.stack([torch.zeros(d), torch.ones(d)])
        self.mins = bounds[0:1]  # bug: PTL302
        self.ranges = bounds[1:2] - bounds[0:1]  # bug: PTL302

    def forward(self, X):
        return (X - self.mins) / self.ranges


class GPModel(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.input_transform = Normalize(d, bounds=torch.tensor([[0.0, -1.0, 2.0], [1.0, 1.0, 5.0]]))
        self.mean = nn.Linear(d, 1)

    def forward(self, X):
        return self.mean(self.input_transform(X))


model = GPModel(3).to(torch.device("cuda"))
pred = model(torch.rand(4, 3, device="cuda"))
