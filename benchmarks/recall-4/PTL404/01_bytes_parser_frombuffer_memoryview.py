# Source: https://github.com/eth-easl/modyn/pull/383
# Pattern: a data pipeline's sample parser receives each stored sample as a `memoryview` of the
# bytes the storage returned and turns it into an image tensor with
# `torch.from_numpy(np.frombuffer(data, dtype=np.float32))`; the buffer is read-only, and torch
# warns that the array is not writable (the PR silences the warning and switches to
# `torch.frombuffer`).
# error: The given NumPy array is not writable
# warnings-as-errors
import numpy as np
import torch


def bytes_parser_function(data: memoryview) -> torch.Tensor:
    return torch.from_numpy(np.frombuffer(data, dtype=np.float32)).reshape(3, 4, 4)  # bug: PTL404


class OnlineDataset(torch.utils.data.IterableDataset):
    def __init__(self, keys, storage):
        self.keys = keys
        self.storage = storage

    def __iter__(self):
        for key in self.keys:
            payload, label = self.storage[key]
            yield bytes_parser_function(memoryview(payload)), label


storage = {k: (np.random.rand(3, 4, 4).astype(np.float32).tobytes(), k % 2) for k in range(4)}
loader = torch.utils.data.DataLoader(OnlineDataset(list(storage), storage), batch_size=2)
for images, labels in loader:
    print(images.shape, labels)
