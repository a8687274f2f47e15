# Source: https://github.com/Lightning-AI/pytorch-lightning/issues/1738
# Pattern: a model written as a LightningModule subclass receives its encoder and head by
# dependency injection and assigns them in `__init__` without ever calling `super().__init__()`;
# the reporter took it for Lightning breaking `nn.Module`, the maintainers pointed at the missing
# call (Lightning is not installed: `LightningModule` stands in as a plain `nn.Module` subclass
# with the hooks the model overrides).
# error: cannot assign module before Module.__init__() call
import torch
import torch.nn.functional as F
from torch import nn


class LightningModule(nn.Module):
    def training_step(self, batch, batch_idx):
        raise NotImplementedError

    def configure_optimizers(self):
        raise NotImplementedError


class Classifier(LightningModule):
    def __init__(self, encoder: nn.Module, head: nn.Module, lr: float = 1e-3):
        self.encoder = encoder  # bug: PTL303
        self.head = head  # also: PTL303
        self.lr = lr

    def forward(self, x):
        return self.head(self.encoder(x))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.cross_entropy(self(x), y)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


model = Classifier(nn.Sequential(nn.Linear(8, 16), nn.ReLU()), nn.Linear(16, 3))
print(model.training_step((torch.randn(4, 8), torch.randint(0, 3, (4,))), 0))
