# Source: https://github.com/pytorch/vision/issues/4508
# Pattern: a `pil_to_tensor` transform converts a PIL image with `torch.as_tensor(np.asarray(pic))`; the array
#   shares the image's read-only buffer, and torch warns that it is not writable
# error: The given NumPy array is not writable
# warnings-as-errors
import numpy as np
import torch
from PIL import Image


def pil_to_tensor(pic):
    img = torch.as_tensor(np.asarray(pic))  # bug: PTL404
    img = img.view(pic.size[1], pic.size[0], len(pic.getbands()))
    return img.permute((2, 0, 1))


class ImageFolderLike(torch.utils.data.Dataset):
    def __init__(self, n=4):
        rng = np.random.default_rng(0)
        self.images = [Image.fromarray(rng.integers(0, 255, (20, 24, 3), dtype=np.uint8)) for _ in range(n)]

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return pil_to_tensor(self.images[i])


print(ImageFolderLike()[0].shape)
