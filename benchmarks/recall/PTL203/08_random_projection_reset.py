# Source: https://github.com/facebookresearch/ParlAI/issues/533
# Pattern: a random projection module initialises its weight Parameter with `normal_` in its
# reset_parameters(), outside torch.no_grad().
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch
from torch import nn


class RandomProjection(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.reset_parameters()

    def reset_parameters(self):
        self.weight.normal_(std=0.1)  # bug: PTL203

    def forward(self, x):
        return nn.functional.linear(x, self.weight)


class Decoder(nn.Module):
    def __init__(self, hidden_size, emb_size):
        super().__init__()
        self.o2e = RandomProjection(hidden_size, emb_size)


dec = Decoder(16, 8)
