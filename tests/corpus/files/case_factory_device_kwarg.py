# Sampling noise and anchors directly on a device with the `device=` argument.
import numpy as np
import torch


def make_anchors(sizes, ratios, device="cuda:0"):
    sizes = torch.tensor(sizes, dtype=torch.float32, device=device)
    ratios = torch.tensor(ratios, dtype=torch.float32, device=device)
    h = (sizes[:, None] * ratios.sqrt()[None, :]).reshape(-1)
    w = (sizes[:, None] / ratios.sqrt()[None, :]).reshape(-1)
    return torch.stack([-w, -h, w, h], dim=1) / 2


def anchors_cpu(sizes, ratios):
    anchors = make_anchors(sizes, ratios, device="cpu")
    return anchors.numpy()


noise = torch.randn(16, 100, device="cuda:0")
histogram = np.histogram(noise.numpy(), bins=20)  # expect: PTL401
grid = torch.zeros(8, 8, device="cpu")
print(grid.numpy().sum())
jitter = torch.rand(4, device=torch.device("cuda"))
print(jitter.cpu().numpy())
print(anchors_cpu([32, 64], [0.5, 1.0, 2.0]).shape)
