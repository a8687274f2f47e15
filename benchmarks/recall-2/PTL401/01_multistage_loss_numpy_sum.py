# Source: https://github.com/swz30/MPRNet/issues/128
# Pattern: a multi-stage restoration network returns one output per stage; the training loop sums the
# per-stage Charbonnier and edge losses with `np.sum([...])` over a list of CUDA loss tensors.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
from torch import nn


class CharbonnierLoss(nn.Module):
    def __init__(self, eps=1e-3):
        super().__init__()
        self.eps = eps

    def forward(self, x, y):
        diff = x - y
        return torch.mean(torch.sqrt(diff * diff + self.eps * self.eps))


class MPRNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = nn.ModuleList([nn.Conv2d(3, 3, 3, padding=1) for _ in range(3)])

    def forward(self, x):
        outs, h = [], x
        for stage in self.stages:
            h = h + stage(h)
            outs.append(h)
        return outs[::-1]


model_restoration = MPRNet().cuda()
criterion_char = CharbonnierLoss()
optimizer = torch.optim.Adam(model_restoration.parameters(), lr=2e-4)
train_loader = [(torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8))]

for _epoch in range(1, 3):
    for _i, (target, input_) in enumerate(train_loader):
        optimizer.zero_grad()
        target = target.cuda()
        input_ = input_.cuda()
        restored = model_restoration(input_)
        loss_char = np.sum([criterion_char(restored[j], target) for j in range(len(restored))])  # bug: PTL401
        loss = loss_char
        loss.backward()
        optimizer.step()
