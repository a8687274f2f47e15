# Source: https://github.com/pytorch/pytorch/issues/8017
# Pattern: a stack of convolutions built in a loop into `self.conv = []`; Module.to("cuda") skips them.
# error: Expected all tensors to be on the same device
# symptom: the forward pass (the first conv's weight stayed on the CPU)
# device: fake-cuda
import torch
from torch import nn


class Model(nn.Module):
    def __init__(self, in_channels, out_channels, layer_size):
        super().__init__()
        self.conv = []  # bug: PTL301
        for _idx in range(layer_size):
            self.conv.append(nn.Conv2d(in_channels=in_channels, out_channels=out_channels, kernel_size=(3, 3)))
            in_channels = out_channels
            out_channels *= 2

    def forward(self, x):
        for conv in self.conv:
            x = conv(x)
        return x


model = Model(in_channels=1, out_channels=16, layer_size=3).to(torch.device("cuda"))
out = model(torch.randn(2, 1, 16, 16, device="cuda"))
