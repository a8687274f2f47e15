# Source: https://github.com/ChaoningZhang/MobileSAM/pull/47
# Pattern: the TinyViT attention caches its bias table `self.ab = self.attention_biases[:, self.attention_bias_idxs]`
#   as a plain attribute when switched to eval mode; a predictor that calls `.eval()` before `.to(device)` keeps
#   the cached table on the CPU, and the attention's `(q @ k.transpose(-2, -1)) * self.scale + self.ab` fails on
#   the GPU ("The variable `ab` needs to be registered to buffer to avoid an error with incompatible devices")
# error: Expected all tensors to be on the same device
# symptom: raised in the attention's `forward`, where the CPU table meets the CUDA scores
# device: fake-cuda
import itertools

import torch
import torch.nn as nn


class Attention(nn.Module):
    def __init__(self, dim, key_dim, num_heads=2, resolution=(4, 4)):
        super().__init__()
        self.num_heads, self.key_dim = num_heads, key_dim
        self.scale = key_dim**-0.5
        self.qkv = nn.Linear(dim, num_heads * key_dim * 3)
        self.proj = nn.Linear(num_heads * key_dim, dim)
        points = list(itertools.product(range(resolution[0]), range(resolution[1])))
        offsets, idxs = {}, []
        for p1 in points:
            for p2 in points:
                offset = (abs(p1[0] - p2[0]), abs(p1[1] - p2[1]))
                if offset not in offsets:
                    offsets[offset] = len(offsets)
                idxs.append(offsets[offset])
        self.attention_biases = nn.Parameter(torch.zeros(num_heads, len(offsets)))
        self.register_buffer(
            "attention_bias_idxs", torch.LongTensor(idxs).view(len(points), len(points)), persistent=False
        )

    @torch.no_grad()
    def train(self, mode=True):
        super().train(mode)
        if mode and hasattr(self, "ab"):
            del self.ab
        else:
            self.ab = self.attention_biases[:, self.attention_bias_idxs]  # bug: PTL302
        return self

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = self.qkv(x).view(b, n, self.num_heads, 3, self.key_dim).permute(3, 0, 2, 1, 4)
        bias = self.attention_biases[:, self.attention_bias_idxs] if self.training else self.ab
        attn = ((q @ k.transpose(-2, -1)) * self.scale + bias).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, -1))


class TinyViTBlock(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.attn = Attention(dim, key_dim=8)
        self.mlp = nn.Sequential(nn.Linear(dim, 32), nn.GELU(), nn.Linear(32, dim))

    def forward(self, x):
        x = x + self.attn(x)
        return x + self.mlp(x)


device = "cuda" if torch.cuda.is_available() else "cpu"
image_encoder = TinyViTBlock()
image_encoder.eval()
image_encoder.to(device)
with torch.no_grad():
    print(image_encoder(torch.randn(1, 16, 16, device=device)).shape)
