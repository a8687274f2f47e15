# Source: https://github.com/pytorch/pytorch/issues/15005
# Pattern: multi-task classifier heads appended to a plain list in __init__; model.cuda() leaves them on
# the CPU (and out of model.parameters()).
# error: Expected all tensors to be on the same device
# symptom: the first forward pass on cuda inputs
# device: fake-cuda
import torch
from torch import nn


class MultiTask(nn.Module):
    def __init__(self, input_features, num_classes):
        super().__init__()
        self.softmaxes = []  # bug: PTL301
        for i in range(len(num_classes)):
            self.softmaxes.append(nn.Linear(input_features, num_classes[i]))

    def forward(self, batch_in):
        return [head(batch_in) for head in self.softmaxes]


num_classes = [5, 2, 10, 3]
model = MultiTask(100, num_classes).cuda()
outputs = model(torch.rand(32, 100).cuda())
