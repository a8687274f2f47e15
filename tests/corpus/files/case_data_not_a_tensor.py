# `.data` on things that are not tensors: a torchvision dataset's storage, an InMemoryDataset of
# torch_geometric, a NumPy array's buffer, a pandas-backed dataset class. All correct.
import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset
from torch_geometric.datasets import TUDataset
from torch_geometric.loader import DataLoader as GeoLoader
from torchvision import datasets


class CsvDataset(Dataset):
    def __init__(self, path):
        self.data = pd.read_csv(path)
        self.features = self.data.drop(columns=["label"]).values.astype(np.float32)
        self.labels = self.data["label"].values

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return torch.from_numpy(self.features[idx]), int(self.labels[idx])


def describe(dataset):
    print(dataset.data.shape, dataset.data.dtype)


mnist = datasets.MNIST("data", train=True, download=True)
pixels = mnist.data.float() / 255.0
mean, std = pixels.mean().item(), pixels.std().item()
print(f"MNIST mean={mean:.4f} std={std:.4f}")

csv = CsvDataset("train.csv")
print(csv.data.head())
describe(csv)

graphs = TUDataset(root="data/TUDataset", name="MUTAG")
print(graphs.data.x.shape, graphs.data.edge_index.shape)
loader = GeoLoader(graphs, batch_size=32, shuffle=True)
for data in loader:
    print(data.num_graphs, data.x.size(0))
    break

arr = np.arange(12, dtype=np.float32)
view = memoryview(arr.data)
print(view.nbytes, arr.data.contiguous)
raw = bytes(arr.data)
restored = torch.frombuffer(bytearray(raw), dtype=torch.float32)
print(restored.sum().item())

for batch in DataLoader(csv, batch_size=16):
    x, y = batch
    print(x.shape, y.shape)
    break
