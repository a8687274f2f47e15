# Source: https://github.com/pytorch/pytorch/issues/46741
# Pattern: the report's read-only memory-mapped array (`np.load(path, mmap_mode="r")`) wrapped with
# `torch.from_numpy` and then written through the tensor, here in a training cache that loads the
# saved features once and perturbs a sample in place for augmentation (the report: a segfault).
# error: The given NumPy array is not writable
# warnings-as-errors
import os
import tempfile

import numpy as np
import torch


class FeatureCache:
    def __init__(self, path):
        self.path = path
        self.features = None

    def load(self):
        array = np.load(self.path, mmap_mode="r")
        self.features = torch.from_numpy(array)  # bug: PTL404
        return self.features

    def augmented(self, index, noise=0.01):
        sample = self.features[index]
        sample.add_(noise * torch.randn_like(sample))
        return sample


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "temp.npy")
    np.save(path, np.zeros((3, 4), dtype=np.float32))
    cache = FeatureCache(path)
    cache.load()
    print(cache.augmented(0))
