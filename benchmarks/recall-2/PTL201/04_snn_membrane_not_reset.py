# Source: https://github.com/jeshraghian/snntorch/issues/250
# Pattern: a spiking CNN whose leaky neurons keep their membrane potential in an attribute
# (`init_hidden=True`); the forward-pass helper loops over time steps, and nothing resets the
# neurons between batches, so the second batch's membrane still hangs on the first batch's graph.
# error: Trying to backward through the graph a second time
import torch
from torch import nn


class Leaky(nn.Module):
    """A leaky integrate-and-fire neuron that keeps its membrane potential between calls."""

    def __init__(self, beta, threshold=1.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold
        self.mem = None

    def forward(self, current):
        if self.mem is None:
            self.mem = torch.zeros_like(current)
        self.mem = self.beta * self.mem + current
        spk = (self.mem > self.threshold).float()
        self.mem = self.mem - spk * self.threshold
        return spk, self.mem


net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 10), Leaky(beta=0.9))
num_steps = 5


def forward_pass(net, num_steps, data):
    mem_rec, spk_rec = [], []
    for _step in range(num_steps):
        spk_out, mem_out = net(data)
        spk_rec.append(spk_out)
        mem_rec.append(mem_out)
    return torch.stack(spk_rec), torch.stack(mem_rec)


optimizer = torch.optim.Adam(net.parameters(), lr=2e-2)
loss_fn = nn.CrossEntropyLoss()
train_loader = [(torch.rand(8, 1, 8, 8), torch.randint(0, 10, (8,))) for _ in range(3)]

for data, targets in train_loader:
    net.train()
    spk_rec, mem_rec = forward_pass(net, num_steps, data)
    loss_val = sum(loss_fn(mem_rec[step], targets) for step in range(num_steps))
    optimizer.zero_grad()
    loss_val.backward()  # bug: PTL201
    optimizer.step()
