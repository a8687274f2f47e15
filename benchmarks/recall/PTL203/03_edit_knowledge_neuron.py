# Source: https://github.com/Hunter-DDM/knowledge-neurons/issues/14
# Pattern: knowledge editing subtracts an embedding from one column of a layer's output weight in place.
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
from torch import nn


class TinyEncoder(nn.Module):
    def __init__(self, dim=16, inter=32, layers=2):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.ModuleDict({"up": nn.Linear(dim, inter), "dense": nn.Linear(inter, dim)}) for _ in range(layers)
        )

    def forward(self, x):
        for layer in self.layers:
            x = x + layer["dense"](torch.relu(layer["up"](x)))
        return x


model = TinyEncoder()
word_emb = nn.Embedding(10, 16)
ori_pred_emb = word_emb.weight[3].detach()
tgt_emb = word_emb.weight[7].detach()
for layer, pos in [(0, 5), (1, 9)]:
    model.layers[layer]["dense"].weight[:, pos] -= ori_pred_emb * 0.5  # bug: PTL203
    model.layers[layer]["dense"].weight[:, pos] += tgt_emb * 0.5  # also: PTL203
