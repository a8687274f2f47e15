# Source: https://github.com/NVlabs/OmniDrive/issues/70
# Pattern: the detector's GridMask augmentation draws a grid mask in NumPy, rotates it as a PIL image and
#   converts it back with `np.asarray(mask)`, a read-only view of the image, then `torch.from_numpy(mask)`; torch
#   warns "The given NumPy array is not writable" (the report's only symptom: the `.to(x.dtype)` just after
#   copies the mask before anything writes to it)
# error: The given NumPy array is not writable
# warnings-as-errors
import numpy as np
import torch
import torch.nn as nn
from PIL import Image


class GridMask(nn.Module):
    def __init__(self, use_h=True, use_w=True, rotate=1, offset=False, ratio=0.5, mode=1, prob=1.0):
        super().__init__()
        self.use_h, self.use_w, self.rotate, self.offset = use_h, use_w, rotate, offset
        self.ratio, self.mode, self.prob = ratio, mode, prob

    def forward(self, x):
        if np.random.rand() > self.prob or not self.training:
            return x
        n, c, h, w = x.size()
        x = x.view(-1, h, w)
        hh = int(1.5 * h)
        ww = int(1.5 * w)
        d = np.random.randint(2, h)
        length = min(max(int(d * self.ratio + 0.5), 1), d - 1)
        mask = np.ones((hh, ww), np.float32)
        st_h, st_w = np.random.randint(d), np.random.randint(d)
        if self.use_h:
            for i in range(hh // d):
                s = d * i + st_h
                mask[s : min(s + length, hh), :] *= 0
        if self.use_w:
            for i in range(ww // d):
                s = d * i + st_w
                mask[:, s : min(s + length, ww)] *= 0
        r = np.random.randint(self.rotate)
        mask = Image.fromarray(np.uint8(mask))
        mask = mask.rotate(r)
        mask = np.asarray(mask)
        mask = mask[(hh - h) // 2 : (hh - h) // 2 + h, (ww - w) // 2 : (ww - w) // 2 + w]
        mask = torch.from_numpy(mask).to(x.dtype)  # bug: PTL404
        if self.mode == 1:
            mask = 1 - mask
        mask = mask.expand_as(x)
        return (x * mask).view(n, c, h, w)


grid_mask = GridMask(use_h=True, use_w=True, rotate=1, offset=False, ratio=0.5, mode=1, prob=0.7)
grid_mask.train()
np.random.seed(1)
imgs = torch.randn(2, 3, 16, 16)
for _ in range(3):
    imgs = grid_mask(imgs)
print(imgs.shape)
