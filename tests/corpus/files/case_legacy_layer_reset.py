# A custom layer written after the pre-1.0 nn.Linear source: reset_parameters through .data,
# pruning with a mask applied to weight.data, and the old Variable import path.
import math

import torch
import torch.nn as nn
from torch.autograd.variable import Variable  # expect: PTL101


class MaskedLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.Tensor(out_features, in_features))
        self.bias = nn.Parameter(torch.Tensor(out_features))
        self.register_buffer("mask", torch.ones(out_features, in_features))
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.weight.size(1))
        self.weight.data.uniform_(-stdv, stdv)  # expect: PTL102
        self.bias.data.uniform_(-stdv, stdv)  # expect: PTL102

    def prune(self, amount=0.5):
        threshold = self.weight.abs().flatten().kthvalue(int(amount * self.weight.numel())).values
        self.mask = (self.weight.abs() > threshold).float()
        self.weight.data *= self.mask  # expect: PTL102

    def forward(self, x):
        return nn.functional.linear(x, self.weight * self.mask, self.bias)


layer = MaskedLinear(10, 5)
layer.prune()
out = layer(Variable(torch.randn(3, 10)))  # expect: PTL101
print(out.shape, int(layer.mask.sum().item()))
