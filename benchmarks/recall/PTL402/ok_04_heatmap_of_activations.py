# Source: https://github.com/XiaMooo/Yolo-Detect-Layer-Visualization/issues/1
# Fix (the maintainer's): `.detach().cpu().numpy()`.
import numpy as np
import torch
from torch import nn


def plot_multi_heatmap(*arrays, col=3):
    panels = []
    for i, array in enumerate(arrays):
        if isinstance(array, torch.Tensor):
            array = array.detach().cpu().numpy()
        panels.append((i // col, i % col, np.asarray(array).mean()))
    return panels


heads = nn.ModuleList(nn.Conv2d(8, 1, 1) for _ in range(3))
features = torch.randn(1, 8, 10, 10)
maps = [head(features)[0, 0] for head in heads]
print(plot_multi_heatmap(*maps))
