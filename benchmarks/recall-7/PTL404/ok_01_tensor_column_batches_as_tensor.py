# Source: https://github.com/ray-project/ray/issues/25106
# Pattern: fix: the read-only column view is copied into a tensor of its own (`torch.tensor`) before training
# warnings-as-errors
import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset

torch.manual_seed(0)


class TensorColumnBlock:
    """An immutable columnar block: each column is a bytes buffer plus its dtype and per-row shape."""

    def __init__(self, columns):
        self.columns = {
            name: (np.ascontiguousarray(a).tobytes(), a.dtype, a.shape[1:], len(a)) for name, a in columns.items()
        }

    def column(self, name):
        buf, dtype, row_shape, n = self.columns[name]
        return np.frombuffer(buf, dtype=dtype).reshape(n, *row_shape)


def convert_pandas_to_torch_tensor(block, columns, dtype=torch.float32):
    def tensorize(vals):
        return torch.tensor(vals, dtype=dtype)

    return torch.cat([tensorize(block.column(c)).view(len(block.column(c)), -1) for c in columns], dim=1)


class TorchBatches(IterableDataset):
    def __init__(self, blocks, feature_columns, label_column):
        self.blocks, self.feature_columns, self.label_column = blocks, feature_columns, label_column

    def __iter__(self):
        for block in self.blocks:
            features = convert_pandas_to_torch_tensor(block, self.feature_columns)
            labels = convert_pandas_to_torch_tensor(block, [self.label_column])
            yield features, labels


blocks = [
    TensorColumnBlock({"value": np.random.rand(10, 10).astype(np.float32), "label": np.random.rand(10, 1)})
    for _ in range(3)
]
loader = DataLoader(TorchBatches(blocks, ["value"], "label"), batch_size=None)
model = torch.nn.Linear(10, 1)
for features, labels in loader:
    loss = torch.nn.functional.mse_loss(model(features), labels)
    print(f"batch loss {loss.item():.4f}")
