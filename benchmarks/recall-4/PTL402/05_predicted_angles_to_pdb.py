# Source: https://github.com/jonathanking/sidechainnet/issues/48
# Pattern: the tutorial turns predicted torsion angles into a structure and writes a PDB file; the
# angles come straight from a model, so they require grad, and the structure builder's numpy
# conversion fails (sidechainnet is not installed: `StructureBuilder` stands in, converting the
# angles with `.numpy()` as the library's builder did before the fix).
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
from torch import nn


class StructureBuilder:
    def __init__(self, seq, ang):
        self.seq = seq
        self.ang = ang.numpy() if isinstance(ang, torch.Tensor) else np.asarray(ang)  # bug: PTL402

    def build(self):
        steps = np.stack([np.cos(self.ang[:, 0]), np.sin(self.ang[:, 0]), np.cos(self.ang[:, 1])], axis=-1)
        return np.cumsum(steps * 1.5, axis=0)

    def to_pdb(self):
        coords = self.build()
        lines = [
            f"ATOM  {i + 1:5d}  CA  {res:3s} A{i + 1:4d}    {x:8.3f}{y:8.3f}{z:8.3f}"
            for i, (res, (x, y, z)) in enumerate(zip(self.seq, coords))
        ]
        return "\n".join(lines)


class AnglePredictor(nn.Module):
    def __init__(self, vocab=20, dim=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, 2)

    def forward(self, tokens):
        h, _ = self.rnn(self.embed(tokens))
        return torch.pi * torch.tanh(self.out(h))


model = AnglePredictor()
seq = ["ALA", "GLY", "SER", "LEU", "VAL"]
tokens = torch.randint(0, 20, (1, len(seq)))
predicted_angles = model(tokens)[0]
sb = StructureBuilder(seq, ang=predicted_angles)
print(sb.to_pdb())
