# Source: https://github.com/Lightning-AI/pytorch-lightning/issues/2623
# Pattern: an audio classifier keeps its Conv1d encoder layers in a Python list next to registered
# fully connected layers; the trainer moves the model to the GPU.
# error: Expected all tensors to be on the same device
# symptom: the forward pass on the first conv of the list
# device: fake-cuda
import math

import torch
import torch.nn.functional as F
from torch import nn


class Conv1DClassifier(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        encoder_out_channels = 16
        n_layers = int(math.log2(encoder_out_channels))
        self.conv_layers = []  # bug: PTL301
        for layer_idx in range(n_layers):
            self.conv_layers.append(nn.Conv1d(2**layer_idx, 2 ** (layer_idx + 1), kernel_size=4, stride=4))
        self.fc1 = nn.Linear(encoder_out_channels, 8)
        self.fc2 = nn.Linear(8, num_classes)

    def forward(self, x):
        for conv_layer in self.conv_layers:
            x = F.relu(conv_layer(x))
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Conv1DClassifier(num_classes=3).to(device)
logits = model(torch.randn(2, 1, 256, device=device))
