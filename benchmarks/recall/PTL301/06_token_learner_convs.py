# Source: https://github.com/rish-16/tokenlearner-pytorch/issues/5
# Pattern: TokenLearner keeps its per-token attention maps' convolutions in a Python list.
# error: Expected all tensors to be on the same device
# symptom: the first attention conv in forward
# device: fake-cuda
import torch
from torch import nn


class SpatialAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(2, 1, kernel_size=1), nn.BatchNorm2d(1), nn.ReLU())
        self.sgap = nn.AvgPool2d(2)

    def forward(self, x):
        mx = torch.max(x, 1)[0].unsqueeze(1)
        avg = torch.mean(x, 1).unsqueeze(1)
        weight_map = torch.sigmoid(self.conv(torch.cat((mx, avg), dim=1)))
        return self.sgap(x * weight_map).mean(dim=(2, 3))


class TokenLearner(nn.Module):
    def __init__(self, S):
        super().__init__()
        self.S = S
        self.tokenizers = [SpatialAttention() for _ in range(S)]  # bug: PTL301

    def forward(self, x):
        return torch.stack([self.tokenizers[i](x) for i in range(self.S)], dim=1)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
tklr = TokenLearner(S=4).to(device)
tokens = tklr(torch.randn(2, 8, 8, 8, device=device))
