# Source: https://github.com/ds4dm/sparse-gcn/pull/2
# Pattern: the PR's fix: the layer calls `super().__init__()` first, so its parameters are registered.
import math

import torch
from torch import nn


class GraphConvolution(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.weight.size(1))
        nn.init.uniform_(self.weight, -stdv, stdv)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -stdv, stdv)

    def forward(self, x, adj):
        out = torch.sparse.mm(adj, x @ self.weight)
        return out + self.bias if self.bias is not None else out


class GCN(nn.Module):
    def __init__(self, nfeat, nhid, nclass):
        super().__init__()
        self.gc1 = GraphConvolution(nfeat, nhid)
        self.gc2 = GraphConvolution(nhid, nclass)

    def forward(self, x, adj):
        return self.gc2(torch.relu(self.gc1(x, adj)), adj).log_softmax(-1)


adj = torch.eye(6).to_sparse()
print(GCN(4, 8, 2)(torch.randn(6, 4), adj).shape)
