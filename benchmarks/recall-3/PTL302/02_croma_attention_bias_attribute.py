# Source: https://github.com/torchgeo/torchgeo/pull/3232
# Pattern: a CROMA-style vision transformer computes its 2D ALiBi attention bias once in
# `__init__` with a helper (`self.attn_bias = get_2dalibi(num_heads, num_patches)`) and adds it to
# the attention logits in `forward`; `model.to(device)` leaves the bias on the CPU.
# error: Expected all tensors to be on the same device
# symptom: the biased attention logits in the attention block's forward
# device: fake-cuda
import itertools
import math

import torch
from torch import nn


def get_2dalibi(num_heads, num_patches):
    side = int(math.sqrt(num_patches))
    points = list(itertools.product(range(side), range(side)))
    idxs = torch.tensor(points, dtype=torch.float32)
    distances = torch.cdist(idxs, idxs)
    slopes = torch.tensor([2 ** (-8 * (h + 1) / num_heads) for h in range(num_heads)])
    return (-distances.unsqueeze(0) * slopes.view(-1, 1, 1)).unsqueeze(0)


class Attention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.to_qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.to_out = nn.Linear(dim, dim)

    def forward(self, x, relative_position_bias):
        b, n, d = x.shape
        q, k, v = self.to_qkv(x).view(b, n, 3, self.num_heads, d // self.num_heads).permute(2, 0, 3, 1, 4)
        attn = (q @ k.transpose(-2, -1)) / math.sqrt(d // self.num_heads) + relative_position_bias
        out = attn.softmax(dim=-1) @ v
        return self.to_out(out.transpose(1, 2).reshape(b, n, d))


class CROMA(nn.Module):
    def __init__(self, image_size=16, patch_size=4, dim=32, num_heads=4, in_chans=3):
        super().__init__()
        self.num_patches = (image_size // patch_size) ** 2
        self.patch_embed = nn.Conv2d(in_chans, dim, patch_size, stride=patch_size)
        self.attn_bias = get_2dalibi(num_heads=num_heads, num_patches=self.num_patches)  # bug: PTL302
        self.attention = Attention(dim, num_heads)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        tokens = self.patch_embed(x).flatten(2).transpose(1, 2)
        tokens = tokens + self.attention(tokens, relative_position_bias=self.attn_bias)
        return self.norm(tokens).mean(dim=1)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = CROMA().to(device)
print(model(torch.randn(2, 3, 16, 16, device=device)).shape)
