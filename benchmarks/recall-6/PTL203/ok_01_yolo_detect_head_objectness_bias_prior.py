# Source: https://github.com/neuralmagic/sparseml/pull/94
# Pattern: the fix: the prior is written under `torch.no_grad()`
import math

import torch
import torch.nn as nn


class Detect(nn.Module):
    def __init__(self, num_classes=4, channels=(16, 32), num_anchors=3):
        super().__init__()
        self.no = num_classes + 5
        self.na = num_anchors
        self.m = nn.ModuleList(nn.Conv2d(c, self.no * self.na, 1) for c in channels)
        self.stride = torch.tensor([8.0, 16.0])

    def forward(self, features):
        return [conv(f) for conv, f in zip(self.m, features)]


class YoloModel(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.backbone = nn.ModuleList([nn.Conv2d(3, 16, 3, 8, 1), nn.Conv2d(16, 32, 3, 2, 1)])
        self.detect = Detect(num_classes)
        self._initialize_biases()

    def _initialize_biases(self):
        m = self.detect
        for mi, s in zip(m.m, m.stride):
            with torch.no_grad():
                b = mi.bias.view(m.na, -1)
                b[:, 4] += math.log(8 / (640 / s) ** 2)
                b[:, 5:] += math.log(0.6 / (m.no - 5 - 0.99))

    def forward(self, x):
        f1 = self.backbone[0](x)
        f2 = self.backbone[1](f1)
        return self.detect([f1, f2])


model = YoloModel()
print([o.shape for o in model(torch.randn(1, 3, 64, 64))])
