import torch
from torch import nn


class MultiTask(nn.Module):
    def __init__(self, tasks=(3, 5)):
        super().__init__()
        self.trunk = nn.Linear(12, 32)
        self.heads = [nn.Linear(32, n) for n in tasks]  # expect: PTL301
        self.temperature = torch.ones(1, requires_grad=True)  # expect: PTL301

    def forward(self, x):
        h = torch.relu(self.trunk(x))
        return [head(h) / self.temperature for head in self.heads]


model = MultiTask()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(3):
    outputs = model(torch.randn(8, 12))
    loss = sum(out.pow(2).mean() for out in outputs)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
