# Source: https://github.com/wzzheng/GenAD/issues/13
# Fix: `np.array` (a writable copy) instead of `np.asarray`.
import numpy as np
import torch
from PIL import Image


class GridMask:
    def __init__(self, d=8, ratio=0.5, rotate=15):
        self.d, self.ratio, self.rotate = d, ratio, rotate

    def __call__(self, x):
        n, c, h, w = x.size()
        mask = np.ones((h, w), np.float32)
        l_ = int(self.d * self.ratio)
        for i in range(0, h, self.d):
            mask[i : i + l_, :] = 0
        mask = Image.fromarray(np.uint8(mask * 255))
        mask = mask.rotate(self.rotate)
        mask = np.array(mask)
        mask = torch.from_numpy(mask).to(x.dtype).to(x.device)
        return x * (mask / 255.0)


out = GridMask()(torch.rand(2, 3, 32, 32))
