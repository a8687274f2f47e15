# Source: https://github.com/xiaxin1998/DHCN/issues/14
# Pattern: hypergraph convolution layers on the GPU; the per-layer item embeddings are collected in a list
# and averaged with np.sum, which converts each CUDA tensor to numpy.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
from torch import nn


class HyperConv(nn.Module):
    def __init__(self, layers=2):
        super().__init__()
        self.layers = layers

    def forward(self, adjacency, embedding):
        item_embeddings = embedding
        final = [item_embeddings]
        for _i in range(self.layers):
            item_embeddings = torch.sparse.mm(adjacency, item_embeddings)
            final.append(item_embeddings)
        item_embeddings = np.sum(final, 0) / (self.layers + 1)  # bug: PTL401
        return item_embeddings


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
adjacency = torch.eye(6).to_sparse().to(device)
with torch.no_grad():
    embedding = torch.randn(6, 4, device=device)
    out = HyperConv()(adjacency, embedding)
