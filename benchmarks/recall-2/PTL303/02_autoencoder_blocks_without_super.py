# Source: https://github.com/drscotthawley/aeiou/pull/10
# Pattern: a notebook-generated library of audio autoencoder blocks defines `nn.Module` subclasses
# whose `__init__` assigns their layers without calling `super().__init__()` (the PR adds it to all).
# error: cannot assign module before Module.__init__() call
import torch
from torch import nn


class ResConvBlock(nn.Module):
    def __init__(self, c_in, c_mid, c_out, is_last=False):
        self.skip = None if c_in == c_out else nn.Conv1d(c_in, c_out, 1, bias=False)  # bug: PTL303
        self.main = nn.Sequential(  # also: PTL303
            nn.Conv1d(c_in, c_mid, 5, padding=2),
            nn.GroupNorm(1, c_mid),
            nn.GELU(),
            nn.Conv1d(c_mid, c_out, 5, padding=2),
            nn.GroupNorm(1, c_out) if not is_last else nn.Identity(),
            nn.GELU() if not is_last else nn.Identity(),
        )

    def forward(self, x):
        residual = x if self.skip is None else self.skip(x)
        return self.main(x) + residual


class AudioEncoder(nn.Module):
    def __init__(self, in_channels=2, latent_dim=8):
        super().__init__()
        self.net = nn.Sequential(ResConvBlock(in_channels, 16, 16), nn.AvgPool1d(2), ResConvBlock(16, 16, latent_dim))

    def forward(self, x):
        return self.net(x)


encoder = AudioEncoder()
print(encoder(torch.randn(1, 2, 64)).shape)
