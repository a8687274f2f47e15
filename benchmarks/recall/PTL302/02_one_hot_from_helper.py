# Source: https://github.com/Lightning-AI/pytorch-lightning/issues/3674
# Pattern: a skeleton model builds a one-hot temporal table with a helper method, permutes it and keeps
# it as `self.tem`; it stays on the CPU when the model goes to the GPU.
# error: Expected all tensors to be on the same device
# symptom: forward, where the table meets the cuda input
# device: fake-cuda
import torch
from torch import nn


class SkeletonModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.seg = 4
        self.num_joints = 3
        self.tem = self.one_hot(self.seg, self.num_joints)
        self.tem = self.tem.permute(2, 0, 1)  # bug: PTL302
        self.layer = nn.Linear(self.seg, self.seg)

    def one_hot(self, spa, tem):
        y = torch.arange(spa).unsqueeze(-1)
        y_onehot = torch.zeros(spa, spa)
        y_onehot.scatter_(1, y, 1)
        return y_onehot.unsqueeze(0).repeat(tem, 1, 1)

    def forward(self, x):
        return self.layer(x) + self.tem.sum(0)[0]


model = SkeletonModel().cuda()
out = model(torch.randn(2, 4).cuda())
