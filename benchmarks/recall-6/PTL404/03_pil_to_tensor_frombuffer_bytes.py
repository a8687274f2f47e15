# Source: https://github.com/pytorch/vision/pull/3813
# Pattern: replacing the deprecated `torch.ByteTensor(torch.ByteStorage.from_buffer(pic.tobytes()))` of the
#   PIL-to-tensor conversion with `torch.from_numpy(np.frombuffer(pic.tobytes(), dtype=np.uint8))`; the review:
#   "we now get the following warning for the `uint8` use-case ... The given NumPy array is not writeable"
#   (`np.frombuffer` of an immutable `bytes` object is read-only)
# error: The given NumPy array is not writable
# warnings-as-errors
import numpy as np
import torch
from PIL import Image


def pil_to_tensor(pic):
    img = torch.from_numpy(np.frombuffer(pic.tobytes(), dtype=np.uint8))  # bug: PTL404
    img = img.view(pic.size[1], pic.size[0], len(pic.getbands()))
    return img.permute((2, 0, 1)).contiguous()


class ToTensor:
    def __call__(self, pic):
        img = pil_to_tensor(pic)
        return img.float().div(255)


pic = Image.fromarray((np.random.rand(8, 10, 3) * 255).astype(np.uint8))
print(ToTensor()(pic).shape)
