# Temperature scaling and a learnable attention query stored as plain tensors with
# requires_grad=True: they are missing from model.parameters() and from the state_dict.
import torch
import torch.nn as nn
import torch.nn.functional as F


class TemperatureScaler(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model
        self.temperature = torch.ones(1, requires_grad=True)  # expect: PTL301

    def forward(self, x):
        return self.model(x) / self.temperature


class AttentionPooling(nn.Module):
    def __init__(self, dim):
        super(AttentionPooling, self).__init__()
        self.query = torch.randn(dim, requires_grad=True)  # expect: PTL301
        self.proj = nn.Linear(dim, dim)
        self.dim = dim

    def forward(self, x):
        keys = torch.tanh(self.proj(x))
        weights = F.softmax(keys @ self.query / self.dim ** 0.5, dim=1)
        return (weights.unsqueeze(-1) * x).sum(1)


class GatedResidual(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.gate = nn.Parameter(torch.zeros(1))
        self.alpha = torch.tensor(0.5, requires_grad=True)  # expect: PTL301
        self.eps = 1e-6

    def forward(self, x):
        return x + torch.sigmoid(self.gate) * self.alpha * self.fc(x)


scaler = TemperatureScaler(nn.Linear(10, 3))
optimizer = torch.optim.LBFGS(scaler.parameters(), lr=0.01)
pool = AttentionPooling(32)
print([n for n, _ in pool.named_parameters()])
