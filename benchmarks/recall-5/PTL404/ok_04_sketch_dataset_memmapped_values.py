# Source: https://github.com/PrincetonLIPS/SketchGraphs/issues/17
# Pattern: the fix the maintainers name: copy the slice (`np.array(...)`) before `torch.from_numpy`
# warnings-as-errors
import os
import tempfile

import numpy as np
import torch


class FlatSequenceDataset(torch.utils.data.Dataset):
    def __init__(self, directory):
        self._offsets = np.load(os.path.join(directory, "offsets.npy"), mmap_mode="r")
        self._values = np.load(os.path.join(directory, "values.npy"), mmap_mode="r")

    def __len__(self):
        return len(self._offsets) - 1

    def __getitem__(self, idx):
        start, end = self._offsets[idx], self._offsets[idx + 1]
        return torch.from_numpy(np.array(self._values[start:end]))


directory = tempfile.mkdtemp()
lengths = [3, 5, 2, 4]
np.save(os.path.join(directory, "offsets.npy"), np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
np.save(os.path.join(directory, "values.npy"), np.random.rand(sum(lengths), 8).astype(np.float32))
dataset = FlatSequenceDataset(directory)
print([dataset[i].shape for i in range(len(dataset))])
