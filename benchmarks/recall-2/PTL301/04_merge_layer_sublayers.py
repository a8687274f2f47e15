# Source: https://github.com/asyml/texar-pytorch/issues/72
# Pattern: a MergeLayer applies each of its sub-layers to the input and merges the outputs; the
# sub-layers are kept in a Python list built in `__init__`, so their parameters are missing from the
# model's trainable variables.
# error: layers kept in a plain list were never trained
# symptom: the check at the end (the listed layers' weights did not change)
import torch
from torch import nn


class MergeLayer(nn.Module):
    def __init__(self, layers=None, mode="concat", dim=-1):
        super().__init__()
        self._mode = mode
        self._dim = dim
        self._layers = None
        if layers is not None:
            self._layers = []  # bug: PTL301
            for layer in layers:
                self._layers.append(layer)

    def forward(self, inputs):
        outputs = [layer(inputs) for layer in self._layers] if self._layers is not None else list(inputs)
        if self._mode == "concat":
            return torch.cat(outputs, dim=self._dim)
        if self._mode == "sum":
            return torch.stack(outputs).sum(0)
        raise ValueError(self._mode)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.merge = MergeLayer([nn.Linear(5, 3), nn.Linear(5, 4)], mode="concat")
        self.head = nn.Linear(7, 1)

    def forward(self, x):
        return self.head(torch.relu(self.merge(x)))


model = Model()
print(sum(p.numel() for p in model.parameters()), "trainable parameters")
before = model.merge._layers[0].weight.detach().clone()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for _ in range(3):
    x, y = torch.randn(8, 5), torch.randn(8, 1)
    loss = ((model(x) - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
if torch.equal(before, model.merge._layers[0].weight):
    raise AssertionError("layers kept in a plain list were never trained")
