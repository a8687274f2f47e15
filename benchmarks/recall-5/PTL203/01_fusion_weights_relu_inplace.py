# Source: https://github.com/zylo117/Yet-Another-EfficientDet-Pytorch/issues/503
# Pattern: a BiFPN-style fusion layer normalises its learnable fusion weights with an in-place ReLU module
#   applied to the parameter itself (the maintainer's answer: apply it to `self.weight.clone()`)
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn as nn


class FuseFeature(nn.Module):
    def __init__(self, eps=1e-4):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(2, dtype=torch.float32), requires_grad=True)
        self.weight_relu = nn.ReLU(inplace=True)
        self.swish = nn.SiLU()

    def forward(self, x):
        weight = self.weight_relu(self.weight)  # bug: PTL203
        weight = weight / (torch.sum(weight, dim=0) + self.eps)
        return self.swish(weight[0] * x[0] + weight[1] * x[1])


fuse = FuseFeature()
p3, p4 = torch.randn(2, 8, 16, 16), torch.randn(2, 8, 16, 16)
out = fuse([p3, p4])
out.mean().backward()
