# Source: https://github.com/mapillary/inplace_abn/issues/101
# Pattern: a block needs the input's spatial size for its layers, so `forward` creates its conv and
# batch-norm the first time it runs (`if self.theta is None: self.theta = nn.Conv2d(...).cuda()`);
# the optimizer was built from `model.parameters()` before that first call and never updates them.
# error: layers built in forward were never trained
# symptom: the check at the end (the lazily built conv's weights did not change)
# device: fake-cuda
import torch
from torch import nn


class SpatialBlock(nn.Module):
    def __init__(self, h_planes, ratio=2):
        super().__init__()
        self.h_planes = h_planes
        self.ratio = ratio
        self.theta = None
        self.bn = None
        self.proj = nn.Conv2d(h_planes, h_planes, kernel_size=1)

    def forward(self, x, b):
        if self.theta is None:
            _, _, h, w = b.size()
            planes = self.h_planes
            self.theta = nn.Conv2d(planes, planes // self.ratio, kernel_size=1, bias=False).cuda()  # bug: PTL304
            self.bn = nn.BatchNorm2d(h * w).cuda()  # also: PTL304
        t = self.theta(self.proj(x)).flatten(2).transpose(1, 2)
        t = self.bn(t.unsqueeze(-1)).squeeze(-1)
        return t.mean()


model = SpatialBlock(h_planes=8).cuda()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x = torch.randn(2, 8, 4, 4).cuda()
b = torch.randn(2, 8, 4, 4).cuda()
model(x, b)
before = model.theta.weight.detach().clone()
for _ in range(3):
    loss = (model(x, b) - 1.0) ** 2
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
if torch.equal(before, model.theta.weight):
    raise AssertionError("layers built in forward were never trained")
