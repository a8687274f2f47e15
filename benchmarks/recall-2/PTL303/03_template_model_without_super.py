# Source: https://github.com/SkafteNicki/mlops_template/pull/2
# Pattern: a project template's example model class defines its layers in `__init__` without calling
# the parent constructor (the PR: "modules need to call super init").
# error: cannot assign module before Module.__init__() call
import torch
from torch import nn


class MyAwesomeModel(nn.Module):
    """My awesome model."""

    def __init__(self) -> None:
        self.conv1 = nn.Conv2d(1, 32, 3, 1)  # bug: PTL303
        self.conv2 = nn.Conv2d(32, 64, 3, 1)  # also: PTL303
        self.dropout = nn.Dropout(0.5)  # also: PTL303
        self.fc1 = nn.Linear(64, 10)  # also: PTL303

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv1(x))
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = self.dropout(torch.flatten(torch.adaptive_avg_pool2d(x, 1), 1))
        return self.fc1(x)


if __name__ == "__main__":
    model = MyAwesomeModel()
    print(f"Model architecture: {model}")
    print(model(torch.rand(1, 1, 28, 28)).shape)
