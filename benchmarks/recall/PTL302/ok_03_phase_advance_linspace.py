# Source: https://github.com/pytorch/audio/pull/457
# Fix (the pull request): register phase_advance as a buffer.
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
        self.register_buffer("phase_advance", torch.linspace(0, math.pi * hop_length, n_freq)[..., None])

    def forward(self, complex_specgrams, overriding_rate=None):
        rate = overriding_rate if overriding_rate is not None else self.fixed_rate
        return complex_specgrams * rate + self.phase_advance


device = "cuda" if torch.cuda.is_available() else "cpu"
m = TimeStretch().to(device)
out = m(torch.randn(1, 2, 201, 40).to(device), 1.3)
