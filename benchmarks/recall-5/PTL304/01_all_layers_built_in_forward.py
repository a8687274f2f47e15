# Source: https://github.com/pytorch/examples/issues/277
# Pattern: "optimizer got an empty parameter list": a model builds every layer inside `forward` (the answer:
#   all operations with trainable weights belong in `__init__`), so the module has no parameters when the
#   optimizer is built, and would get fresh random weights on every call
# error: optimizer got an empty parameter list
# symptom: the optimizer's constructor raises (no layer is registered)
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, in_channels=1, n_classes=10):
        super().__init__()
        self.in_channels = in_channels
        self.n_classes = n_classes

    def forward(self, x):
        x = F.relu(F.max_pool2d(nn.Conv2d(self.in_channels, 10, kernel_size=5)(x), 2))  # bug: PTL304
        x = F.relu(F.max_pool2d(nn.Conv2d(10, 20, kernel_size=5)(x), 2))  # also: PTL304
        x = x.view(x.size(0), -1)
        return F.log_softmax(nn.Linear(x.size(1), self.n_classes)(x), dim=1)  # also: PTL304


model = Net()
print(model(torch.randn(2, 1, 28, 28)).shape)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
