# Source: https://github.com/Genentech/gReLU/issues/188
# Pattern: a genomics model trunk (`ExplaiNNTrunk`) stores its plain settings and then creates
# `self.blocks = nn.ModuleList()` in an `__init__` that never calls `super().__init__()`; building
# the trunk raises at the first module assignment.
# error: cannot assign module before Module.__init__() call
import torch
from torch import nn


class ExplaiNNConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        self.norm = nn.BatchNorm1d(out_channels)

    def forward(self, x):
        return torch.exp(self.norm(self.conv(x))).amax(dim=-1)


class ExplaiNNTrunk(nn.Module):
    def __init__(self, in_len, channels=16, kernel_size=19):
        self.channels = channels
        self.in_len = in_len
        self.blocks = nn.ModuleList()  # bug: PTL303
        for _ in range(channels):
            self.blocks.append(ExplaiNNConvBlock(4, 1, kernel_size))

    def forward(self, x):
        return torch.cat([block(x) for block in self.blocks], dim=1)


t = ExplaiNNTrunk(in_len=200, channels=8, kernel_size=19)
print(t(torch.randn(2, 4, 200)).shape)
