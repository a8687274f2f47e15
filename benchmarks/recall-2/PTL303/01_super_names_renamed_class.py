# Source: https://github.com/Soester10/Bokeh-Rendering-with-Vision-Transformers/pull/2
# Pattern: a vision-transformer model file has a second block class made by copying the first one and
# renaming it; its `__init__` still says `super(OldName, self).__init__()` (the author: "forgot to
# update the class name in all instances").
# error: super(type, obj): obj must be an instance or subtype of type
import torch
from torch import nn


class TransformerBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)

    def forward(self, x):
        h = self.norm(x)
        return x + self.attn(h, h, h)[0]


class TransformerBlockDecoder(nn.Module):
    def __init__(self, dim, heads):
        super(TransformerBlock, self).__init__()  # bug: PTL303
        self.norm = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        h = self.norm(x)
        x = x + self.attn(h, h, h)[0]
        return x + self.mlp(self.norm(x))


encoder = TransformerBlock(16, 2)
decoder = TransformerBlockDecoder(16, 2)
print(decoder(encoder(torch.randn(1, 4, 16))).shape)
