# Source: https://github.com/pytorch/audio/pull/457
# Pattern: a time-stretch transform keeps `phase_advance` (from torch.linspace) as an attribute.
# error: Expected all tensors to be on the same device
# symptom: the transform's forward on cuda input
# device: fake-cuda
import math

import torch
from torch import nn


class TimeStretch(nn.Module):
    def __init__(self, hop_length=None, n_freq=201, fixed_rate=None):
        super().__init__()
        self.fixed_rate = fixed_rate
        n_fft = (n_freq - 1) * 2
        hop_length = hop_length if hop_length is not None else n_fft // 2
        self.phase_advance = torch.linspace(0, math.pi * hop_length, n_freq)[..., None]  # bug: PTL302

    def forward(self, complex_specgrams, overriding_rate=None):
        rate = overriding_rate if overriding_rate is not None else self.fixed_rate
        return complex_specgrams * rate + self.phase_advance


m = TimeStretch().cuda()
out = m(torch.randn(1, 2, 201, 40).cuda(), 1.3)
