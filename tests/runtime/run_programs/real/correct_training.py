"""A correct training loop: the checks must stay silent."""

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 8), nn.Linear(8, 1)])
        self.register_buffer("scale", torch.tensor([2.0, 1.0, 1.0, 0.5]))

    def forward(self, x):
        return self.layers[1](torch.relu(self.layers[0](x * self.scale)))


model = Net().to(torch.float64)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
hidden = torch.zeros(4, dtype=torch.float64)
for step in range(5):
    x = torch.randn(16, 4, dtype=torch.float64) + hidden
    loss = model(x).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    hidden = x.mean(0).detach()
print(model(x).detach().numpy().shape)
