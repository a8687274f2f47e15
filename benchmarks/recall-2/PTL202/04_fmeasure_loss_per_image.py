# Source: https://github.com/zeakey/iccv2019-fmeasure/issues/1
# Pattern: an F-measure loss module for saliency maps returns one loss per image (it reduces only over
# the pixels); the user's training step calls `loss = fl(output, target); loss.backward()`.
# error: grad can be implicitly created only for scalar outputs
import torch
from torch import nn


class FLoss(nn.Module):
    def __init__(self, beta=0.3, log_like=False):
        super().__init__()
        self.beta = beta
        self.log_like = log_like

    def forward(self, prediction, target):
        eps = 1e-10
        n = prediction.size(0)
        tp = (prediction * target).view(n, -1).sum(dim=1)
        h = self.beta * target.view(n, -1).sum(dim=1) + prediction.view(n, -1).sum(dim=1)
        fmeasure = (1 + self.beta) * tp / (h + eps)
        if self.log_like:
            return -torch.log(fmeasure)
        return 1 - fmeasure


net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 1, 1))
fl = FLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=1e-2)
images = torch.rand(4, 3, 16, 16)
target = (torch.rand(4, 1, 16, 16) > 0.5).float()

output = torch.sigmoid(net(images))
loss = fl(output, target)
optimizer.zero_grad()
loss.backward()  # bug: PTL202
optimizer.step()
