# Source: https://github.com/MC-E/Deep-Generalized-Unfolding-Networks-for-Image-Restoration/issues/6
# Pattern: the deblurring training script sums the Charbonnier and edge losses of the network's
# stage outputs with `np.sum([criterion(restored[j], target) for j in ...])`, on the GPU; numpy
# converts each CUDA loss tensor. (The same code is also in MPRNet, whose report of this error is
# a different issue.)
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


class EdgeLoss(nn.Module):
    def __init__(self):
        super().__init__()
        self.loss = CharbonnierLoss()

    def laplacian(self, img):
        blurred = nn.functional.avg_pool2d(img, 3, stride=1, padding=1)
        return img - blurred

    def forward(self, x, y):
        return self.loss(self.laplacian(x), self.laplacian(y))


class UnfoldingNet(nn.Module):
    def __init__(self, stages=3):
        super().__init__()
        self.stages = nn.ModuleList([nn.Conv2d(3, 3, 3, padding=1) for _ in range(stages)])

    def forward(self, x):
        outs = []
        for stage in self.stages:
            x = x + stage(x)
            outs.append(x)
        return outs[::-1]


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model_restoration = UnfoldingNet().to(device)
optimizer = torch.optim.Adam(model_restoration.parameters(), lr=2e-4)
criterion_char, criterion_edge = CharbonnierLoss(), EdgeLoss()
for _ in range(2):
    target = torch.rand(2, 3, 16, 16).to(device)
    input_ = (target + 0.1 * torch.randn_like(target)).to(device)
    optimizer.zero_grad()
    restored = model_restoration(input_)
    loss_char = np.sum([criterion_char(restored[j], target) for j in range(len(restored))])  # bug: PTL401, PTL402
    loss_edge = np.sum([criterion_edge(restored[j], target) for j in range(len(restored))])  # also: PTL401, PTL402
    loss = loss_char + 0.05 * loss_edge
    loss.backward()
    optimizer.step()
