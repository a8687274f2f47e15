# Source: https://github.com/pyg-team/pytorch_geometric/pull/4424
# Pattern: the fix: the parameter is refilled under `torch.no_grad()`
import math

import torch
import torch.nn as nn


class Envelope(nn.Module):
    def __init__(self, exponent):
        super().__init__()
        self.p = exponent + 1
        self.a = -(self.p + 1) * (self.p + 2) / 2
        self.b = self.p * (self.p + 2)
        self.c = -self.p * (self.p + 1) / 2

    def forward(self, x):
        p, a, b, c = self.p, self.a, self.b, self.c
        x_pow_p0 = x.pow(p - 1)
        x_pow_p1 = x_pow_p0 * x
        return 1.0 / x + a * x_pow_p0 + b * x_pow_p1 + c * x_pow_p1 * x


class BesselBasisLayer(nn.Module):
    def __init__(self, num_radial, cutoff=5.0, envelope_exponent=5):
        super().__init__()
        self.cutoff = cutoff
        self.envelope = Envelope(envelope_exponent)
        self.freq = nn.Parameter(torch.empty(num_radial))
        self.reset_parameters()

    def reset_parameters(self):
        with torch.no_grad():
            torch.arange(1, self.freq.numel() + 1, out=self.freq).mul_(math.pi)

    def forward(self, dist):
        dist = dist.unsqueeze(-1) / self.cutoff
        return self.envelope(dist) * (self.freq * dist).sin()


class DimeNetEmbedding(nn.Module):
    def __init__(self, hidden_channels=8, num_radial=4):
        super().__init__()
        self.rbf = BesselBasisLayer(num_radial)
        self.lin = nn.Linear(num_radial, hidden_channels)

    def forward(self, dist):
        return self.lin(self.rbf(dist))


model = DimeNetEmbedding()
print(model(torch.rand(10) * 5 + 0.1).shape)
