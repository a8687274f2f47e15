# Source: https://github.com/chflame163/ComfyUI_FaceSimilarity/issues/10
# Fix: `.cpu()` before `.numpy()` in the helper.
# device: fake-cuda
import numpy as np
import torch


def tensor2cv2(image: torch.Tensor) -> np.ndarray:
    if image.dim() == 4:
        image = image.squeeze()
    npimage = image.cpu().numpy()
    return (npimage * 255).astype(np.uint8)[:, :, ::-1]


DEFAULT_DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


class FaceSimilarity:
    def __init__(self, device=DEFAULT_DEVICE):
        self.device = torch.device(device)

    def compare(self, image_a, image_b):
        a = tensor2cv2(image_a.to(self.device))
        b = tensor2cv2(image_b.to(self.device))
        return float(np.abs(a.astype(float) - b).mean())


node = FaceSimilarity()
print(node.compare(torch.rand(1, 16, 16, 3), torch.rand(1, 16, 16, 3)))
