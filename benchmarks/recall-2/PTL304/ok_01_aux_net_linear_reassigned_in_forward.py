# Source: https://github.com/pytorch/pytorch/issues/921
# Pattern: the answer in the thread: create the child Linear in `__init__` (the size passed in).
import torch
from torch import nn


class AuxNet(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.linear = nn.Linear(features, features, bias=False)

    def forward(self, input):
        return self.linear(input)


class SNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.Conv2d(3, 32, 5, 1, 0, bias=False), nn.Dropout(0.2), AuxNet(12))

    def forward(self, input):
        return self.main(input)


n = SNet()
print(list(n.state_dict().keys()))
n.eval()
x = torch.randn(2, 3, 16, 16)
with torch.no_grad():
    first, second = n(x), n(x)
if not torch.allclose(first, second):
    raise AssertionError("the layer built in forward gives a different output on every call")
