# Source: https://github.com/ds4dm/sparse-gcn/pull/2
# Pattern: a sparse graph-convolution layer subclasses `nn.Module` but its `__init__` never calls
# `nn.Module.__init__`; it sets its sizes and then its weight and bias parameters, and the first
# `nn.Parameter` assignment fails. The PR adds the missing `__init__` call.
# error: cannot assign parameters before Module.__init__() call
import math

import torch
from torch import nn


class GraphConvolution(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.empty(in_features, out_features))  # bug: PTL303
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features))  # also: PTL303
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
