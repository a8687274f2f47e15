# Variable-length sequences with pack_padded_sequence: PackedSequence has a `.data` field of
# its own (the packed values), and the Dataset keeps its samples in `self.data`. Nothing to flag.
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset


class SequenceDataset(Dataset):
    def __init__(self, n=100):
        self.data = [torch.randn(torch.randint(5, 20, ()).item(), 3) for _ in range(n)]
        self.labels = torch.randint(0, 2, (n,))

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return self.data[idx], self.labels[idx]


def collate(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    return pad_sequence(seqs, batch_first=True), lengths, torch.stack(labels)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 32, batch_first=True)
        self.fc = nn.Linear(32, 2)

    def forward(self, padded, lengths):
        packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        print("packed values:", packed.data.shape, "batch sizes:", packed.batch_sizes[:3])
        out, h = self.rnn(packed)
        unpacked, _ = pad_packed_sequence(out, batch_first=True)
        return self.fc(h[-1]), unpacked


dataset = SequenceDataset()
print(len(dataset.data), dataset.data[0].shape)
model = Classifier()
opt = torch.optim.Adam(model.parameters())
for padded, lengths, labels in DataLoader(dataset, batch_size=8, collate_fn=collate):
    logits, _ = model(padded, lengths)
    loss = nn.functional.cross_entropy(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
