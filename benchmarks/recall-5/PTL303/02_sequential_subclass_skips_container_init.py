# Source: https://github.com/pytorch/pytorch/issues/422
# Pattern: "users will forget super().__init__ in container subclasses": a residual stage subclasses
#   `nn.Sequential` and sets up its shortcut before (instead of after) handing its layers to the container
# error: cannot assign module before Module.__init__() call
import torch
import torch.nn as nn


class ResidualStage(nn.Sequential):
    def __init__(self, channels, depth=2):
        self.shortcut = nn.Conv2d(channels, channels, kernel_size=1)  # bug: PTL303
        layers = []
        for _ in range(depth):
            layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU()]
        super().__init__(*layers)

    def forward(self, x):
        return super().forward(x) + self.shortcut(x)


stage = ResidualStage(8)
print(stage(torch.randn(2, 8, 16, 16)).shape)
