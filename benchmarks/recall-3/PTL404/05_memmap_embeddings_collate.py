# Source: https://github.com/hearbenchmark/hear-eval-kit/issues/142
# Pattern: a downstream-task dataset memory-maps precomputed embeddings read-only
# (`np.load(path, mmap_mode="r")`), returns `self.embedding_memmap[idx]` from `__getitem__`, and the
# batch collation turns each item into a tensor with `torch.as_tensor(b)` (written out here as the
# collate function the loader uses).
# error: The given NumPy array is not writable
# warnings-as-errors
import os
import tempfile

import numpy as np
import torch


class SplitDataset(torch.utils.data.Dataset):
    def __init__(self, embedding_path, labels):
        self.embedding_memmap = np.load(embedding_path, mmap_mode="r")
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.embedding_memmap[idx], self.labels[idx]


def collate(batch):
    embeddings = torch.stack([torch.as_tensor(b) for b, _ in batch])  # bug: PTL404
    return embeddings, torch.tensor([label for _, label in batch])


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "train.embeddings.npy")
    np.save(path, np.random.rand(10, 16).astype(np.float32))
    dataset = SplitDataset(path, labels=list(np.random.randint(0, 3, size=10)))
    loader = torch.utils.data.DataLoader(dataset, batch_size=4, collate_fn=collate)
    predictor = torch.nn.Linear(16, 3)
    for embeddings, labels in loader:
        loss = torch.nn.functional.cross_entropy(predictor(embeddings), labels)
        loss.backward()
