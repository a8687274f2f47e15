# Source: https://github.com/lafith/Mobile-UNet/issues/1
# Fix (the author's): the projection is built in __init__.
import torch
from torch import nn


class InvertedResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, expansion_factor=6):
        super().__init__()
        hidden = in_channels * expansion_factor
        self.in_channels, self.out_channels = in_channels, out_channels
        self.bottleneck = nn.Sequential(
            nn.Conv2d(in_channels, hidden, 1),
            nn.ReLU6(),
            nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden),
            nn.ReLU6(),
            nn.Conv2d(hidden, out_channels, 1),
        )
        self.project = nn.Conv2d(in_channels, out_channels, kernel_size=1) if in_channels != out_channels else None

    def forward(self, x):
        out = self.bottleneck(x)
        if self.in_channels != self.out_channels:
            x = self.project(x)
        return out + x


block = InvertedResidualBlock(4, 8).eval()
x = torch.randn(1, 4, 8, 8)
if not torch.equal(block(x), block(x)):
    raise AssertionError("new random weights on every call")
