# Source: https://github.com/pytorch/pytorch/issues/15005
# Fix: nn.ModuleList registers the heads.
# device: fake-cuda
import torch
from torch import nn


class MultiTask(nn.Module):
    def __init__(self, input_features, num_classes):
        super().__init__()
        self.softmaxes = nn.ModuleList()
        for i in range(len(num_classes)):
            self.softmaxes.append(nn.Linear(input_features, num_classes[i]))

    def forward(self, batch_in):
        return [head(batch_in) for head in self.softmaxes]


device = "cuda" if torch.cuda.is_available() else "cpu"
num_classes = [5, 2, 10, 3]
model = MultiTask(100, num_classes).to(device)
outputs = model(torch.rand(32, 100).to(device))
