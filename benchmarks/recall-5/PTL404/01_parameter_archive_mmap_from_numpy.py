# Source: https://github.com/iree-org/iree-turbine/issues/9
# Pattern: a parameter archive is memory-mapped read-only and each stored tensor is exposed with
#   `torch.from_numpy` of a NumPy view of the mapping (no copy, to avoid loading large files); the view is not
#   writable and torch warns
# error: The given NumPy array is not writable
# warnings-as-errors
import mmap
import os
import tempfile

import numpy as np
import torch


def save_archive(path, tensors):
    index, offset = {}, 0
    with open(path, "wb") as f:
        for name, t in tensors.items():
            data = t.numpy().tobytes()
            index[name] = (offset, t.shape)
            f.write(data)
            offset += len(data)
    return index


class ParameterArchive:
    def __init__(self, path, index):
        self._file = open(path, "rb")
        self._mm = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        self.index = index

    def tensor(self, name):
        offset, shape = self.index[name]
        count = int(np.prod(shape))
        wrapper = np.frombuffer(self._mm, dtype=np.float32, count=count, offset=offset).reshape(shape)
        return torch.from_numpy(wrapper)  # bug: PTL404


path = os.path.join(tempfile.mkdtemp(), "params.irpa")
index = save_archive(path, {"fc.weight": torch.randn(4, 3), "fc.bias": torch.randn(4)})
archive = ParameterArchive(path, index)
print(archive.tensor("fc.weight").shape)
