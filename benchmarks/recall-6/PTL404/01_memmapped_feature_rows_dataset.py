# Source: https://github.com/pytorch/pytorch/issues/37581
# Pattern: "I have 4M rows of data, I won't copy it because it's stored and loaded using numpy.memmap and I
#   don't want to allow anything to write to it": a dataset opens its feature matrix read-only with
#   `np.load(..., mmap_mode="r")` and returns `torch.as_tensor(self.features[idx])`; every tensor shares the
#   read-only mapping (torch warns that writing to it is undefined behaviour), and a transform that normalises
#   in place writes into it
# error: The given NumPy array is not writable
# warnings-as-errors
import os
import tempfile

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class MemmapFeatures(Dataset):
    def __init__(self, path, labels):
        self.features = np.load(path, mmap_mode="r")
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        x = torch.as_tensor(self.features[idx])  # bug: PTL404
        x.sub_(x.mean()).div_(x.std() + 1e-6)
        return x, self.labels[idx]


path = os.path.join(tempfile.mkdtemp(), "features.npy")
np.save(path, np.random.rand(64, 16).astype(np.float32))
loader = DataLoader(MemmapFeatures(path, torch.randint(0, 2, (64,))), batch_size=16, shuffle=True)
for features, labels in loader:
    print(features.shape, labels.shape)
