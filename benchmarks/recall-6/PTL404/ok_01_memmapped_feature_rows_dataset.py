# Source: https://github.com/pytorch/pytorch/issues/37581
# Pattern: the fix: copy the row out of the mapping (`np.array(...)`) before making the tensor
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
        x = torch.as_tensor(np.array(self.features[idx]))
        x.sub_(x.mean()).div_(x.std() + 1e-6)
        return x, self.labels[idx]


path = os.path.join(tempfile.mkdtemp(), "features.npy")
np.save(path, np.random.rand(64, 16).astype(np.float32))
loader = DataLoader(MemmapFeatures(path, torch.randint(0, 2, (64,))), batch_size=16, shuffle=True)
for features, labels in loader:
    print(features.shape, labels.shape)
