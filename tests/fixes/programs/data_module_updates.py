# .data on module parameters: DCGAN-style init, an in-place SGD step, EMA of the weights and
# WGAN weight clipping.
import copy

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 1))


def weights_init(m):
    if isinstance(m, nn.Linear):
        m.weight.data.normal_(0.0, 0.02)
        m.bias.data.fill_(0)
    elif isinstance(m, nn.BatchNorm1d):
        m.weight.data.normal_(1.0, 0.02)
        m.bias.data.fill_(0)


model.apply(weights_init)
ema = copy.deepcopy(model)
for step in range(10):
    loss = model(torch.randn(16, 4)).pow(2).mean()
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data.add_(p.grad.data, alpha=-0.1)
        p.data.clamp_(-0.5, 0.5)
    for ema_p, p in zip(ema.parameters(), model.parameters()):
        ema_p.data.mul_(0.9).add_(p.data, alpha=0.1)

OUTPUT = {"model": model, "ema": ema}
