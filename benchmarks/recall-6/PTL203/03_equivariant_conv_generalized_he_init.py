# Source: https://github.com/QUVA-Lab/e2cnn/issues/34
# Pattern: a steerable convolution keeps the coefficients of its filter basis in `conv.weights`, an
#   `nn.Parameter`; the library's He initialiser fills that tensor in place like torch's initialisers do, but
#   without their `torch.no_grad()`, so calling it on the parameter (as the meta-learning script that reports it
#   does) raises; the maintainer's workaround is to pass `conv.weights.data`
# error: a leaf Variable that requires grad is being used in an in-place operation
import math

import torch
import torch.nn as nn


class BasisExpansion(nn.Module):
    def __init__(self, in_fields, out_fields, basis_size, kernel_size):
        super().__init__()
        self.in_fields, self.out_fields = in_fields, out_fields
        self.dimension = in_fields * out_fields * basis_size
        self.register_buffer("basis", torch.randn(basis_size, kernel_size, kernel_size))

    def forward(self, weights):
        w = weights.view(self.out_fields, self.in_fields, -1)
        return torch.einsum("oib,bhw->oihw", w, self.basis)


class R2Conv(nn.Module):
    def __init__(self, in_fields, out_fields, kernel_size=5, basis_size=6):
        super().__init__()
        self.basisexpansion = BasisExpansion(in_fields, out_fields, basis_size, kernel_size)
        self.weights = nn.Parameter(torch.zeros(self.basisexpansion.dimension))
        self.padding = kernel_size // 2

    def forward(self, x):
        return nn.functional.conv2d(x, self.basisexpansion(self.weights), padding=self.padding)


def generalized_he_init(tensor, basisexpansion):
    fan_in = basisexpansion.in_fields * basisexpansion.basis.size(0)
    vals = torch.randn(tensor.shape) * math.sqrt(2.0 / fan_in)
    tensor[:] = vals  # bug: PTL203


class SymmetricTaskNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = R2Conv(1, 4)
        generalized_he_init(self.conv.weights, self.conv.basisexpansion)
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        return self.head(self.conv(x).mean(dim=(2, 3)))


net = SymmetricTaskNet()
print(net(torch.randn(2, 1, 9, 9)).shape)
