# Source: https://github.com/unit8co/darts/issues/3052
# Pattern: a temporal fusion transformer caches its attention mask and relative index as plain
# attributes the first time they are built; after the model is moved to another device the cached
# tensors stay behind.
# error: Expected all tensors to be on the same device
# symptom: the second forward pass, after the move
# device: fake-cuda
import torch
from torch import nn


class TFTLite(nn.Module):
    def __init__(self, input_chunk_length=4, output_chunk_length=2, hidden=8):
        super().__init__()
        self.n = input_chunk_length + output_chunk_length
        self.embed = nn.Linear(1, hidden)
        self.attention_mask = None
        self.relative_index = None

    def forward(self, x):
        if self.attention_mask is None:
            ones = torch.ones(self.n, self.n, device=x.device)
            self.attention_mask = torch.triu(ones, diagonal=1).bool()  # bug: PTL302
            self.relative_index = torch.arange(self.n, device=x.device).float()[:, None]  # bug: PTL302
        h = self.embed(x + self.relative_index)
        scores = (h @ h.transpose(-1, -2)).masked_fill(self.attention_mask, float("-inf"))
        return torch.softmax(scores, dim=-1) @ h


model = TFTLite()
model(torch.randn(3, 6, 1))
model = model.to("cuda")
model(torch.randn(3, 6, 1, device="cuda"))
