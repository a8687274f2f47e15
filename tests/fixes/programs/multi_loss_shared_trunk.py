# Two task heads on a shared trunk, each loss backwarded on its own.
import torch
from torch import nn

torch.manual_seed(0)
trunk = nn.Sequential(nn.Linear(6, 16), nn.ReLU())
cls_head = nn.Linear(16, 3)
reg_head = nn.Linear(16, 1)
params = list(trunk.parameters()) + list(cls_head.parameters()) + list(reg_head.parameters())
optimizer = torch.optim.SGD(params, lr=0.1)

for step in range(3):
    x = torch.randn(10, 6)
    features = trunk(x)
    cls_loss = nn.functional.cross_entropy(cls_head(features), torch.randint(0, 3, (10,)))
    reg_loss = nn.functional.mse_loss(reg_head(features), torch.randn(10, 1))
    optimizer.zero_grad()
    cls_loss.backward()
    reg_loss.backward()
    optimizer.step()

OUTPUT = [p.detach() for p in params]
