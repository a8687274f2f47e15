# Source: https://github.com/eth-easl/modyn/pull/383
# Pattern: the parser copies the read-only buffer before wrapping it, `np.frombuffer(data,
# dtype=np.float32).copy()`, so the tensor owns writable memory.
# warnings-as-errors
import numpy as np
import torch


def bytes_parser_function(data: memoryview) -> torch.Tensor:
    return torch.from_numpy(np.frombuffer(data, dtype=np.float32).copy()).reshape(3, 4, 4)


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
