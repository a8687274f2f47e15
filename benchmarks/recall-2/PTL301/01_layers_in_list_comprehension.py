# Source: https://github.com/pytorch/pytorch/issues/666
# Pattern: a network takes the number of layers as an argument and keeps them in a list built by a
# comprehension next to one registered layer; `forward` runs the list, the optimizer never sees it.
# error: layers kept in a plain list were never trained
# symptom: the check at the end (the listed layers' weights did not change)
import torch
from torch import nn


class net(nn.Module):
    def __init__(self, num_layers):
        super().__init__()
        self.layer = nn.Linear(1, 1)
        self.list_of_layers = [nn.Linear(1, 1) for i in range(num_layers)]  # bug: PTL301

    def forward(self, x):
        x = self.layer(x)
        for layer in self.list_of_layers:
            x = torch.tanh(layer(x))
        return x


n = net(4)
print(n)
before = n.list_of_layers[0].weight.detach().clone()
optimizer = torch.optim.SGD(n.parameters(), lr=0.5)
for _ in range(3):
    x = torch.randn(16, 1)
    loss = ((n(x) - 0.5 * x) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
if torch.equal(before, n.list_of_layers[0].weight):
    raise AssertionError("layers kept in a plain list were never trained")
