# Source: https://github.com/aramis-lab/clinicadl/pull/653
# Pattern: the training configuration lets the user pick the loss's `reduction`, and "none" is among
# the accepted values; the trainer builds the criterion from the config and backwards its output,
# a tensor with one loss per element when the reduction is "none". The PR removes "none" from
# the implemented reductions.
# error: grad can be implicitly created only for scalar outputs
from dataclasses import dataclass

import torch
from torch import nn

IMPLEMENTED_REDUCTIONS = ["mean", "sum", "none"]


@dataclass
class LossConfig:
    loss: str = "MSELoss"
    reduction: str = "mean"

    def __post_init__(self):
        if self.reduction not in IMPLEMENTED_REDUCTIONS:
            raise ValueError(f"reduction must be one of {IMPLEMENTED_REDUCTIONS}")


def get_criterion(config):
    return getattr(nn, config.loss)(reduction=config.reduction)


class Trainer:
    def __init__(self, model, config):
        self.model = model
        self.criterion = get_criterion(config)
        self.optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_epoch(self, loader):
        self.model.train()
        for images, labels in loader:
            outputs = self.model(images)
            loss = self.criterion(outputs, labels)
            self.optimizer.zero_grad()
            loss.backward()  # bug: PTL202
            self.optimizer.step()


model = nn.Sequential(nn.Flatten(), nn.Linear(2 * 8 * 8, 16), nn.ReLU(), nn.Linear(16, 1))
loader = [(torch.randn(4, 2, 8, 8), torch.randn(4, 1)) for _ in range(3)]
Trainer(model, LossConfig(reduction="none")).train_epoch(loader)
