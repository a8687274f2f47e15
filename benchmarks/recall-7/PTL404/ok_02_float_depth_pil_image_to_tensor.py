# Source: https://github.com/pytorch/vision/issues/2194
# Pattern: fix (as suggested in the issue): the depth map is copied into a writable array (`np.array`) first
# warnings-as-errors
import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)


def to_tensor(pic):
    depth = np.array(pic, dtype=np.float32)
    return torch.from_numpy(depth)[None]


class RandomHorizontalFlip:
    def __call__(self, img):
        return img.transpose(Image.FLIP_LEFT_RIGHT) if torch.rand(1).item() < 0.5 else img


class DepthDataset(Dataset):
    def __init__(self, n=4, size=16):
        rng = np.random.default_rng(0)
        self.depths = [Image.fromarray(rng.random((size, size)).astype(np.float32), mode="F") for _ in range(n)]
        self.images = [rng.random((3, size, size)).astype(np.float32) for _ in range(n)]
        self.flip = RandomHorizontalFlip()

    def __len__(self):
        return len(self.depths)

    def __getitem__(self, i):
        return torch.from_numpy(self.images[i]), to_tensor(self.flip(self.depths[i]))


loader = DataLoader(DepthDataset(), batch_size=2)
model = torch.nn.Conv2d(3, 1, 3, padding=1)
for epoch in range(2):
    for image, depth in loader:
        loss = torch.nn.functional.l1_loss(model(image), depth)
    print(f"epoch {epoch}: loss {loss.item():.4f}")
