# Source: https://github.com/pytorch/pytorch/issues/37824
# Pattern: modular model composition: a wrapper keeps the backbone and head it is given, assigning them
# before its own super().__init__().
# error: cannot assign module before Module.__init__() call
from torch import nn


class Composite(nn.Module):
    def __init__(self, backbone: nn.Module, head: nn.Module, freeze_backbone=False):
        self.freeze_backbone = freeze_backbone
        self.backbone = backbone  # bug: PTL303
        self.head = head  # also: PTL303
        super().__init__()

    def forward(self, x):
        return self.head(self.backbone(x))


model = Composite(nn.Sequential(nn.Linear(8, 8), nn.ReLU()), nn.Linear(8, 2))
