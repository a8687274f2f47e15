# Source: https://github.com/pytorch/pytorch/issues/5442
# Pattern: a dataset caches its samples as numpy arrays and marks them read-only
# (`arr.flags["WRITEABLE"] = False`) to protect the cache; `__getitem__` hands out
# `torch.from_numpy(arr)`, and the training transform normalises the tensor in place, writing
# into the protected cache (the report: `from_numpy` does not respect read-only arrays).
# error: The given NumPy array is not writable
# warnings-as-errors
import numpy as np
import torch


class CachedDataset(torch.utils.data.Dataset):
    def __init__(self, n=4, dim=6):
        self.cache = []
        for _ in range(n):
            arr = np.random.rand(dim).astype(np.float32)
            arr.flags["WRITEABLE"] = False
            self.cache.append(arr)

    def __len__(self):
        return len(self.cache)

    def __getitem__(self, index):
        return torch.from_numpy(self.cache[index])  # bug: PTL404


def normalize_(x):
    return x.sub_(x.mean()).div_(x.std() + 1e-6)


dataset = CachedDataset()
for epoch in range(2):
    for i in range(len(dataset)):
        sample = normalize_(dataset[i])
    print(epoch, float(dataset.cache[0].mean()))
