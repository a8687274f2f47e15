# Source: https://github.com/MrChenFeng/Adaptive-Soft-Contrastive-Learning_ICPR2022/issues/2
# Fix: the loss function returns the batch mean.
import torch
import torch.nn.functional as F
from torch import nn


def byol_loss(p, z):
    p = F.normalize(p, dim=-1)
    z = F.normalize(z, dim=-1)
    return (2 - 2 * (p * z).sum(dim=-1)).mean()


class BYOL(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.online = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        self.predictor = nn.Linear(dim, dim)
        self.target = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, x1, x2):
        p1 = self.predictor(self.online(x1))
        with torch.no_grad():
            z2 = self.target(x2)
        return byol_loss(p1, z2)


model = BYOL()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for x in [torch.randn(8, 16) for _ in range(2)]:
    loss = model(x + 0.1 * torch.randn_like(x), x)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
