# Source: https://github.com/ray-project/ray/pull/29808
# Pattern: a data pipeline converts zero-copy columnar batches (views of immutable Arrow buffers) to
# torch with `torch.as_tensor(np.frombuffer(...))`, and the training loop then normalises the feature
# tensor in place; the maintainers note user code may mutate such tensors (pyarrow is not installed:
# `ColumnBuffer` stands in for an immutable Arrow buffer, exposing its bytes).
# error: The given NumPy array is not writable
# warnings-as-errors
import numpy as np
import torch


class ColumnBuffer:
    def __init__(self, values):
        self._bytes = np.asarray(values, dtype=np.float32).tobytes()

    def to_pybytes(self):
        return self._bytes


def iter_torch_batches(columns, batch_size, num_features):
    for buffer in columns:
        array = np.frombuffer(buffer.to_pybytes(), dtype=np.float32).reshape(batch_size, num_features)
        yield torch.as_tensor(array)  # bug: PTL404


model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
columns = [ColumnBuffer(np.random.rand(8, 4)) for _ in range(3)]
for features in iter_torch_batches(columns, batch_size=8, num_features=4):
    features.sub_(features.mean(dim=0))
    loss = model(features).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
