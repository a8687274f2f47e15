# Source: https://github.com/chflame163/ComfyUI_FaceSimilarity/issues/10
# Pattern: a helper converts an image tensor to an OpenCV array with `.numpy()`; the node calls it with
# an image that the pipeline keeps on the GPU.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch


def tensor2cv2(image: torch.Tensor) -> np.ndarray:
    if image.dim() == 4:
        image = image.squeeze()
    npimage = image.numpy()  # bug: PTL401
    return (npimage * 255).astype(np.uint8)[:, :, ::-1]


class FaceSimilarity:
    def __init__(self, device="cuda"):
        self.device = torch.device(device)

    def compare(self, image_a, image_b):
        a = tensor2cv2(image_a.to(self.device))
        b = tensor2cv2(image_b.to(self.device))
        return float(np.abs(a.astype(float) - b).mean())


node = FaceSimilarity()
print(node.compare(torch.rand(1, 16, 16, 3), torch.rand(1, 16, 16, 3)))
