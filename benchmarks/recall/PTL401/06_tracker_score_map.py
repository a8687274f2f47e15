# Source: https://github.com/StrangerZhang/SiamFC-PyTorch/issues/41
# Pattern: a Siamese tracker computes its response map on the GPU and resizes it with numpy/cv-style
# code that calls np.asarray on the tensor.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class SiameseAlexNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())

    def forward(self, exemplar, instance):
        z = self.features(exemplar)
        x = self.features(instance)
        return F.conv2d(x, z)


class Tracker:
    def __init__(self):
        self.cuda = torch.cuda.is_available()
        self.device = torch.device("cuda:0" if self.cuda else "cpu")
        self.model = SiameseAlexNet().to(self.device).eval()

    def update(self, exemplar, instance):
        with torch.no_grad():
            response = self.model(exemplar.to(self.device), instance.to(self.device))
        response = np.asarray(response.squeeze())  # bug: PTL401
        return np.unravel_index(response.argmax(), response.shape)


tracker = Tracker()
print(tracker.update(torch.rand(1, 3, 6, 6), torch.rand(1, 3, 12, 12)))
