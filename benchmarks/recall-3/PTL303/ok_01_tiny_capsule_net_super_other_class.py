# Source: https://github.com/fabio-deep/Variational-Capsule-Routing/issues/7
# Pattern: the fix: `tinyCapsuleNet.__init__` calls `super().__init__()`, which names no class
# that a copy can get wrong.
import torch
from torch import nn


class CapsuleNet(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.P = args["pose_dim"]
        self.Conv_1 = nn.Conv2d(args["n_channels"], 16, kernel_size=5, stride=2)
        self.BN_1 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16 * 4 * 4, args["n_classes"] * self.P * self.P)

    def forward(self, x):
        x = torch.relu(self.BN_1(self.Conv_1(x)))
        return self.fc(nn.functional.adaptive_avg_pool2d(x, 4).flatten(1))


class tinyCapsuleNet(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.P = args["pose_dim"]
        self.Conv_1 = nn.Conv2d(args["n_channels"], 8, kernel_size=5, stride=2)
        self.fc = nn.Linear(8 * 4 * 4, args["n_classes"] * self.P * self.P)

    def forward(self, x):
        x = torch.relu(self.Conv_1(x))
        return self.fc(nn.functional.adaptive_avg_pool2d(x, 4).flatten(1))


args = {"pose_dim": 4, "n_channels": 1, "n_classes": 10}
for arch in (CapsuleNet, tinyCapsuleNet):
    model = arch(args)
    print(arch.__name__, model(torch.randn(2, 1, 28, 28)).shape)
