# Source: https://github.com/pytorch/vision/pull/3813
# Pattern: the fix: a writable copy (`np.array(pic, dtype=np.uint8)`) is converted instead
# warnings-as-errors
import numpy as np
import torch
from PIL import Image


def pil_to_tensor(pic):
    img = torch.from_numpy(np.array(pic, dtype=np.uint8))
    return img.permute((2, 0, 1)).contiguous()


class ToTensor:
    def __call__(self, pic):
        img = pil_to_tensor(pic)
        return img.float().div(255)


pic = Image.fromarray((np.random.rand(8, 10, 3) * 255).astype(np.uint8))
print(ToTensor()(pic).shape)
