# Source: https://github.com/meta-pytorch/tnt/pull/551
# Pattern: an in-memory logger turns logged scalars into floats through numpy; the training loop logs
# the loss tensor itself.
# error: Can't call numpy() on Tensor that requires grad
import torch
from torch import nn


def scalar_to_float(scalar):
    if isinstance(scalar, float):
        return scalar
    if isinstance(scalar, torch.Tensor):
        return float(scalar.numpy())  # bug: PTL402
    return float(scalar)


class InMemoryLogger:
    def __init__(self):
        self.log = {}

    def log_scalar(self, name, value, step):
        self.log[(name, step)] = scalar_to_float(value)


model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
logger = InMemoryLogger()
for step in range(3):
    loss = model(torch.randn(4, 3)).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    logger.log_scalar("loss", loss, step)
