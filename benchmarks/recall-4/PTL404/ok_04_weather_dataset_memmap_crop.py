# Source: https://github.com/meteofrance/py4cast/pull/48
# Pattern: the reviewer's suggestion: the crop is copied out of the memory map before it becomes a tensor,
# `np.array(data_array[t0:t1, x0:x1, y0:y1])`.
# warnings-as-errors
import os
import tempfile

import numpy as np
import torch


class WeatherParam:
    def __init__(self, name, path):
        self.name = name
        self.path = path

    def load_data(self, t0, t1, grid):
        (x0, x1), (y0, y1) = grid
        data_array = np.load(self.path, mmap_mode="r")
        return np.array(data_array[t0:t1, x0:x1, y0:y1])


class TitanDataset(torch.utils.data.Dataset):
    def __init__(self, params, num_steps=4, grid=((0, 8), (0, 8))):
        self.params = params
        self.num_steps = num_steps
        self.grid = grid

    def __len__(self):
        return 2

    def __getitem__(self, index):
        tensors = []
        for param in self.params:
            arr = param.load_data(index, index + self.num_steps, self.grid)
            tensors.append(torch.from_numpy(arr))
        return torch.stack(tensors, dim=-1)


root = tempfile.mkdtemp()
params = []
for name in ("t2m", "u10"):
    path = os.path.join(root, f"{name}.npy")
    np.save(path, np.random.rand(10, 16, 16).astype(np.float32))
    params.append(WeatherParam(name, path))
dataset = TitanDataset(params)
print(dataset[0].shape)
