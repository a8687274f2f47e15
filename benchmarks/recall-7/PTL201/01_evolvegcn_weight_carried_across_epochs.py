# Source: https://github.com/benedekrozemberczki/pytorch_geometric_temporal/issues/305
# Pattern: the EvolveGCN-O example fails at `loss.backward()` ("Runtime Error while executing loss.backward() for
#   both the evolvegcnh & evolvegcno examples"): the layer evolves its GCN weight with a GRU from the weight the
#   previous forward left on the module (`self.weight`), and the example sums the loss over the snapshots and calls
#   `backward()` once per epoch, so the second epoch's backward runs into the first epoch's freed graph
# error: Trying to backward through the graph a second time
from collections import namedtuple

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
Snapshot = namedtuple("Snapshot", "x adj y")


class EvolveGCNO(nn.Module):
    """A GCN whose weight matrix is evolved over time by a GRU (EvolveGCN-O)."""

    def __init__(self, in_channels):
        super().__init__()
        self.initial_weight = nn.Parameter(torch.empty(1, in_channels, in_channels))
        self.recurrent_layer = nn.GRU(input_size=in_channels, hidden_size=in_channels, num_layers=1)
        nn.init.xavier_uniform_(self.initial_weight)
        self.weight = None

    def forward(self, x, adj):
        if self.weight is None:
            _, self.weight = self.recurrent_layer(self.initial_weight, self.initial_weight)
        else:
            _, self.weight = self.recurrent_layer(self.weight, self.weight)
        w = self.weight.squeeze(0)
        deg = adj.sum(dim=1, keepdim=True).clamp(min=1)
        return (adj @ (x @ w)) / deg


class RecurrentGCN(nn.Module):
    def __init__(self, node_features):
        super().__init__()
        self.recurrent = EvolveGCNO(node_features)
        self.linear = nn.Linear(node_features, 1)

    def forward(self, x, adj):
        h = F.relu(self.recurrent(x, adj))
        return self.linear(h)


def make_dataset(num_snapshots=5, num_nodes=10, features=4):
    snapshots = []
    for _ in range(num_snapshots):
        adj = (torch.rand(num_nodes, num_nodes) > 0.7).float()
        adj = ((adj + adj.t() + torch.eye(num_nodes)) > 0).float()
        snapshots.append(Snapshot(torch.randn(num_nodes, features), adj, torch.randn(num_nodes, 1)))
    return snapshots


train_dataset = make_dataset()
model = RecurrentGCN(node_features=4)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

model.train()
for epoch in range(3):
    loss = 0
    for time, snapshot in enumerate(train_dataset):
        y_hat = model(snapshot.x, snapshot.adj)
        loss = loss + torch.mean((y_hat - snapshot.y) ** 2)
    loss = loss / (time + 1)
    loss.backward()  # bug: PTL201
    optimizer.step()
    optimizer.zero_grad()
    print(f"epoch {epoch}: mse {loss.item():.4f}")
