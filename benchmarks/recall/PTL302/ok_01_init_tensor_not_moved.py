# Source: https://github.com/Lightning-AI/pytorch-lightning/issues/1978
# Fix (the maintainers' answer): register the constant as a buffer.
# device: fake-cuda
import torch
from torch import nn


class Scorer(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.register_buffer("prototypes", torch.randn(4, dim))

    def forward(self, x):
        return self.proj(x) @ self.prototypes.t()


device = "cuda" if torch.cuda.is_available() else "cpu"
model = Scorer().to(device)
scores = model(torch.randn(2, 8).to(device))
