# Source: https://github.com/pytorch/examples/issues/277
# Pattern: a classifier whose convolution and linear layers are all constructed in forward; building the
# optimizer fails because the model has no parameters.
# error: optimizer got an empty parameter list
# symptom: the optimizer's construction
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.num_classes = num_classes

    def forward(self, x):
        x = F.relu(nn.Conv2d(1, 8, 3)(x))  # bug: PTL304
        x = F.max_pool2d(x, 2).flatten(1)
        return nn.Linear(x.size(1), self.num_classes)(x)  # also: PTL304


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
