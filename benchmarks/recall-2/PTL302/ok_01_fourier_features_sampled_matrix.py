# Source: https://github.com/jmclong/random-fourier-features-pytorch/issues/2
# Pattern: the fix: the sampled matrix is registered as a buffer, so `.to("cuda")` moves it.
# device: fake-cuda
import numpy as np
import torch
from torch import Tensor, nn


def sample_b(sigma: float, size: tuple) -> Tensor:
    return torch.randn(size) * sigma


def gaussian_encoding(v: Tensor, b: Tensor) -> Tensor:
    vp = 2 * np.pi * v @ b.T
    return torch.cat((torch.cos(vp), torch.sin(vp)), dim=-1)


class GaussianEncoding(nn.Module):
    def __init__(self, sigma: float, input_size: int, encoded_size: int):
        super().__init__()
        self.register_buffer("b", sample_b(sigma, (encoded_size, input_size)))

    def forward(self, v: Tensor) -> Tensor:
        return gaussian_encoding(v, self.b)


model = nn.Sequential(GaussianEncoding(sigma=10.0, input_size=2, encoded_size=16), nn.Linear(32, 3))
model = model.to("cuda")
coords = torch.rand(8, 2).to("cuda")
print(model(coords).shape)
