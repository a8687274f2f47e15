# Source: https://github.com/WangYueFt/rfs/issues/20
# Pattern: a few-shot image dataset returns each image as a numpy array of a PIL image
# (`np.asarray(img)`, read-only), and its to-tensor transform does
# `torch.from_numpy(pic.transpose((2, 0, 1))).contiguous()`, which wraps the read-only view and
# makes torch warn.
# error: The given NumPy array is not writable
# warnings-as-errors
import numpy as np
import torch
from PIL import Image


class ToTensor:
    def __call__(self, pic):
        img = torch.from_numpy(pic.transpose((2, 0, 1))).contiguous()  # bug: PTL404
        return img.float().div(255)


class ImageNetSubset(torch.utils.data.Dataset):
    def __init__(self, images, labels, transform):
        self.imgs = images
        self.labels = labels
        self.transform = transform

    def __getitem__(self, item):
        img = np.asarray(Image.fromarray(self.imgs[item]).convert("RGB"))
        return self.transform(img), self.labels[item]

    def __len__(self):
        return len(self.labels)


images = [np.random.randint(0, 255, (8, 8, 3), dtype=np.uint8) for _ in range(4)]
dataset = ImageNetSubset(images, [0, 1, 0, 1], ToTensor())
loader = torch.utils.data.DataLoader(dataset, batch_size=2)
for x, y in loader:
    print(x.shape, y)
