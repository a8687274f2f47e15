# Source: https://github.com/LianpoWang/SLIIF/issues/13
# Pattern: an implicit image function keeps ten residual MLPs in `self.mlps = [RES_MLP(...) for _ in
# range(10)]`, next to a registered coordinate MLP; the forward pass mixes the MLPs' outputs with
# weights from an expansion net.
# error: layers kept in a plain list were never trained
# symptom: the check at the end (the listed MLPs' weights did not change)
import torch
from torch import nn


class RES_MLP(nn.Module):
    def __init__(self, in_dim, out_dim, hidden_list):
        super().__init__()
        layers, lastv = [], in_dim
        for hidden in hidden_list:
            layers += [nn.Linear(lastv, hidden), nn.ReLU()]
            lastv = hidden
        self.body = nn.Sequential(*layers)
        self.out = nn.Linear(lastv, out_dim)
        self.skip = nn.Linear(in_dim, out_dim)

    def forward(self, x):
        return self.out(self.body(x)) + self.skip(x)


class COOD_MLP(nn.Module):
    def __init__(self, in_dim, out_dim, hidden_list):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, hidden_list[0]), nn.ReLU(), nn.Linear(hidden_list[0], out_dim))

    def forward(self, x):
        return self.net(x)


class RESMLPS(nn.Module):
    def __init__(self, in_dim, out_dim, hidden_list, coord_hidden_list):
        super().__init__()
        self.mlps = [RES_MLP(in_dim, out_dim, coord_hidden_list) for _ in range(10)]  # bug: PTL301
        self.cood_mlp = COOD_MLP(2, 16, hidden_list)
        self.expansionNet = nn.Linear(16, 10)

    def forward(self, x, coord):
        weights = torch.softmax(self.expansionNet(self.cood_mlp(coord)), dim=-1)
        outs = torch.stack([mlp(x) for mlp in self.mlps], dim=-1)
        return (outs * weights.unsqueeze(-2)).sum(-1)


model = RESMLPS(in_dim=6, out_dim=3, hidden_list=[8], coord_hidden_list=[8])
before = model.mlps[0].out.weight.detach().clone()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for _ in range(3):
    x, coord, y = torch.randn(4, 6), torch.rand(4, 2), torch.randn(4, 3)
    loss = ((model(x, coord) - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
if torch.equal(before, model.mlps[0].out.weight):
    raise AssertionError("layers kept in a plain list were never trained")
