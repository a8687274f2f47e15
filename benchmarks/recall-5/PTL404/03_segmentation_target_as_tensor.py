# Source: https://github.com/pytorch/vision/pull/2886
# Pattern: the segmentation reference's joint transform turns the image and the PIL label mask into tensors,
#   the mask with `torch.as_tensor(np.asarray(target), dtype=torch.int64)`; the mask's array is read-only and
#   torch warns on every epoch's first sample
# error: The given NumPy array is not writable
# warnings-as-errors
import numpy as np
import torch
from PIL import Image


class ToTensor:
    def __call__(self, image, target):
        image = torch.from_numpy(np.array(image, dtype=np.float32)).permute(2, 0, 1) / 255.0
        target = torch.as_tensor(np.asarray(target), dtype=torch.int64)  # bug: PTL404
        return image, target


class VOCLike(torch.utils.data.Dataset):
    def __init__(self, transforms, n=3):
        rng = np.random.default_rng(0)
        self.items = [
            (
                Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)),
                Image.fromarray(rng.integers(0, 21, (16, 16), dtype=np.uint8)),
            )
            for _ in range(n)
        ]
        self.transforms = transforms

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.transforms(*self.items[i])


dataset = VOCLike(ToTensor())
image, target = dataset[0]
print(image.shape, target.dtype)
