# Source: https://github.com/DataXujing/YOLO-v5/issues/23
# Pattern: the fix given in the thread: the prior is written into the bias under `torch.no_grad()`.
import math

import torch
from torch import nn


class Detect(nn.Module):
    def __init__(self, nc=3, na=3, ch=(8, 16)):
        super().__init__()
        self.nc, self.na, self.no = nc, na, nc + 5
        self.m = nn.ModuleList(nn.Conv2d(c, self.no * self.na, 1) for c in ch)
        self.stride = torch.tensor([8.0, 16.0])

    def forward(self, xs):
        return [conv(x) for conv, x in zip(self.m, xs)]


class Model(nn.Module):
    def __init__(self, nc=3):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.detect = Detect(nc)
        self._initialize_biases()

    def _initialize_biases(self, cf=None):
        m = self.detect
        for mi, s in zip(m.m, m.stride):
            b = mi.bias.view(m.na, -1)
            with torch.no_grad():
                b[:, 4] += math.log(8 / (640 / s) ** 2)
                b[:, 5:] += math.log(0.6 / (m.nc - 0.99)) if cf is None else torch.log(cf / cf.sum())
            mi.bias = nn.Parameter(b.view(-1), requires_grad=True)

    def forward(self, x):
        p1 = torch.relu(self.stem(x))
        return self.detect([p1, torch.relu(self.down(p1))])


model = Model()
print([o.shape for o in model(torch.randn(1, 3, 32, 32))])
