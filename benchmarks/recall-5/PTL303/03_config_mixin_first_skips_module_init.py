# Source: https://github.com/pytorch/pytorch/issues/28746
# Pattern: cooperative `__init__` across a mixin and `nn.Module`: the model lists its configuration mixin
#   first, and the mixin's `__init__` does not pass the call on, so `super().__init__(cfg)` never reaches
#   `nn.Module.__init__` and the first layer assigned raises
# error: cannot assign module before Module.__init__() call
import torch
import torch.nn as nn


class Configurable:
    def __init__(self, cfg):
        self.cfg = dict(cfg)


class Classifier(Configurable, nn.Module):
    def __init__(self, cfg):
        super().__init__(cfg)
        self.encoder = nn.Linear(cfg["in_dim"], cfg["hidden"])  # bug: PTL303
        self.head = nn.Linear(cfg["hidden"], cfg["classes"])  # also: PTL303

    def forward(self, x):
        return self.head(torch.relu(self.encoder(x)))


model = Classifier({"in_dim": 12, "hidden": 32, "classes": 4})
print(model(torch.randn(3, 12)).shape)
