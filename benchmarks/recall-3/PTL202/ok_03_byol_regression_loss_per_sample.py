# Source: https://github.com/MrChenFeng/Adaptive-Soft-Contrastive-Learning_ICPR2022/issues/2
# Pattern: the BYOL wrapper returns the batch mean of the symmetric regression loss, as the other
# models' wrappers return a scalar, and the shared loop backwards it unchanged.
import copy

import torch
import torch.nn.functional as F
from torch import nn


def regression_loss(x, y):
    x = F.normalize(x, dim=-1, p=2)
    y = F.normalize(y, dim=-1, p=2)
    return 2 - 2 * (x * y).sum(dim=-1)


def mlp(dim_in, hidden, dim_out):
    return nn.Sequential(nn.Linear(dim_in, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, dim_out))


class BYOL(nn.Module):
    def __init__(self, backbone, feat_dim=32, proj_dim=16, m=0.99):
        super().__init__()
        self.online = nn.Sequential(backbone, mlp(feat_dim, 64, proj_dim))
        self.predictor = mlp(proj_dim, 64, proj_dim)
        self.target = copy.deepcopy(self.online)
        for p in self.target.parameters():
            p.requires_grad = False
        self.m = m

    @torch.no_grad()
    def momentum_update(self):
        for po, pt in zip(self.online.parameters(), self.target.parameters()):
            pt.mul_(self.m).add_(po, alpha=1 - self.m)

    def forward(self, x1, x2):
        p1, p2 = self.predictor(self.online(x1)), self.predictor(self.online(x2))
        with torch.no_grad():
            z1, z2 = self.target(x1), self.target(x2)
        return (regression_loss(p1, z2) + regression_loss(p2, z1)).mean()


def train(model, loader, optimizer, epoch):
    model.train()
    for x1, x2 in loader:
        loss = model(x1, x2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model.momentum_update()
        print(epoch, loss.item())


backbone = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 32), nn.ReLU())
model = BYOL(backbone)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loader = [(torch.randn(8, 3, 8, 8), torch.randn(8, 3, 8, 8)) for _ in range(2)]
train(model, loader, optimizer, epoch=0)
