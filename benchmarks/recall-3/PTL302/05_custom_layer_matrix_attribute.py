# Source: https://openillumi.com/en/en-pytorch-cuda-tensor-not-transfer-fix
# Pattern: a custom projection module keeps its matrix as a plain instance variable
# (`self.matrix = torch.randn(D_in, D_out)`) and multiplies by it in `forward`; `model.cuda()` moves
# the registered layers but not the matrix, and the forward pass mixes devices.
# error: Expected all tensors to be on the same device
# symptom: the matrix product in the projection's forward
# device: fake-cuda
import torch
from torch import nn


class RandomProjection(nn.Module):
    def __init__(self, D_in, D_out):
        super().__init__()
        self.matrix = torch.randn(D_in, D_out)  # bug: PTL302

    def forward(self, x):
        return x @ self.matrix


class Classifier(nn.Module):
    def __init__(self, D_in=784, D_proj=64, num_classes=10):
        super().__init__()
        self.project = RandomProjection(D_in, D_proj)
        self.head = nn.Linear(D_proj, num_classes)

    def forward(self, x):
        return self.head(torch.relu(self.project(x.flatten(1))))


model = Classifier()
if torch.cuda.is_available():
    model.cuda()
images = torch.rand(8, 1, 28, 28)
if torch.cuda.is_available():
    images = images.cuda()
print(model(images).shape)
