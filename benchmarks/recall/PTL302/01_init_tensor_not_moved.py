# Source: https://github.com/Lightning-AI/pytorch-lightning/issues/1978
# Pattern: a constant tensor made in __init__ as a plain attribute is used in forward; the model is moved
# to the GPU and the constant is not.
# error: Expected all tensors to be on the same device
# symptom: forward, where the constant meets a cuda tensor
# device: fake-cuda
import torch
from torch import nn


class Scorer(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.prototypes = torch.randn(4, dim)  # bug: PTL302

    def forward(self, x):
        return self.proj(x) @ self.prototypes.t()


model = Scorer().cuda()
scores = model(torch.randn(2, 8).cuda())
