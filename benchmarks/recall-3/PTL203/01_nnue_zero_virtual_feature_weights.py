# Source: https://github.com/official-stockfish/nnue-pytorch/pull/75
# Pattern: the NNUE model zeroes the weights of its virtual (factorised) input features with a method
# called from `__init__`: it takes `self.input.weight` and assigns `0.0` to row slices of it, outside
# `torch.no_grad()` (the PR wraps the method's body in it).
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
from torch import nn


class FeatureSet:
    def __init__(self, num_real_features=40, virtual_ranges=((40, 48),)):
        self.num_real_features = num_real_features
        self.virtual_ranges = virtual_ranges
        self.num_features = num_real_features + sum(b - a for a, b in virtual_ranges)

    def get_virtual_feature_ranges(self):
        return list(self.virtual_ranges)


class NNUE(nn.Module):
    def __init__(self, feature_set, l1=32):
        super().__init__()
        self.feature_set = feature_set
        self.input = nn.Linear(feature_set.num_features, l1)
        self.output = nn.Linear(2 * l1, 1)
        self._zero_virtual_feature_weights()

    def _zero_virtual_feature_weights(self):
        weights = self.input.weight
        for a, b in self.feature_set.get_virtual_feature_ranges():
            weights[:, a:b] = 0.0  # bug: PTL203
        self.input.weight = nn.Parameter(weights)

    def forward(self, us, them, white, black):
        w, b = self.input(white), self.input(black)
        l0 = us * torch.cat([w, b], dim=1) + them * torch.cat([b, w], dim=1)
        return self.output(torch.clamp(l0, 0.0, 1.0))


model = NNUE(FeatureSet())
x = torch.rand(2, 48)
print(model(torch.ones(2, 1), torch.zeros(2, 1), x, x).shape)
