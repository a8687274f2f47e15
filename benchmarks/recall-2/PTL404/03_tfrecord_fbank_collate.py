# Source: https://github.com/vahidk/tfrecord/issues/83
# Pattern: a TFRecord dataset's transform decodes the filter-bank bytes with `np.frombuffer(...)`,
# transposes and reshapes them, and the collate function turns every field into a tensor with
# `torch.as_tensor(b)`.
# error: The given NumPy array is not writable
# warnings-as-errors
import numpy as np
import torch


def transform(features):
    features["fbank"] = np.frombuffer(bytes(bytearray(features["fbank"])), dtype=np.float32).T.reshape(-1, 128)
    return features


def default_collate(batch):
    return torch.stack([torch.as_tensor(b) for b in batch])  # bug: PTL404


records = [{"fbank": np.random.rand(4 * 128).astype(np.float32).tobytes()} for _ in range(3)]
samples = [transform(r)["fbank"] for r in records]
fbank = default_collate(samples)
print(fbank.shape)
