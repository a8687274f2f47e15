# Source: https://github.com/isl-org/Open3D-ML/pull/81
# Pattern: a point-cloud visualizer takes the model's per-point predictions as they come out of a training-mode
#   forward pass and turns every attribute into an array with `np.asarray` (the PR makes the visualizer handle
#   tensors with gradients)
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
import torch.nn as nn


class Visualizer:
    def __init__(self):
        self.attributes = {}

    def visualize(self, data, name="pred"):
        for key, value in data.items():
            self.attributes[f"{name}/{key}"] = np.asarray(value)  # bug: PTL402
        return {k: v.shape for k, v in self.attributes.items()}


class PointSegNet(nn.Module):
    def __init__(self, n_classes=5):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, n_classes))

    def forward(self, points):
        return self.mlp(points)


torch.manual_seed(0)
points = torch.randn(100, 3)
model = PointSegNet()
logits = model(points)
vis = Visualizer()
print(vis.visualize({"points": points, "scores": logits.softmax(-1)}))
