# Source: https://github.com/lightly-ai/lightly/pull/963
# Pattern: a new contrastive loss (DirectCLR) written as an `nn.Module` whose `__init__` never calls
#   `super().__init__()` (the reviewer: "you have to call super().__init__() in the __init__ of the loss");
#   it keeps an inner cross-entropy module
# error: cannot assign module before Module.__init__() call
import torch
import torch.nn as nn
import torch.nn.functional as F


class DirectCLRLoss(nn.Module):
    def __init__(self, loss_dim=4, temperature=0.1):
        self.loss_dim = loss_dim
        self.temperature = temperature
        self.cross_entropy = nn.CrossEntropyLoss()  # bug: PTL303

    def forward(self, z0, z1):
        z0 = F.normalize(z0[:, : self.loss_dim], dim=1)
        z1 = F.normalize(z1[:, : self.loss_dim], dim=1)
        logits = z0 @ z1.T / self.temperature
        return self.cross_entropy(logits, torch.arange(z0.shape[0]))


criterion = DirectCLRLoss()
backbone = nn.Linear(16, 8)
x0, x1 = torch.randn(6, 16), torch.randn(6, 16)
loss = criterion(backbone(x0), backbone(x1))
loss.backward()
