# An MLP whose hidden layers are kept in a plain Python list: model.parameters() misses them,
# the optimizer never updates them and .to(device) does not move them.
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, in_features, hidden_sizes, out_features):
        super().__init__()
        self.hidden_sizes = hidden_sizes
        self.layers = []  # expect: PTL301
        prev = in_features
        for h in hidden_sizes:
            self.layers.append(nn.Linear(prev, h))
            prev = h
        self.out = nn.Linear(prev, out_features)
        self.activation = nn.ReLU()

    def forward(self, x):
        for layer in self.layers:
            x = self.activation(layer(x))
        return self.out(x)


class ResidualTower(nn.Module):
    def __init__(self, width, depth):
        super().__init__()
        self.blocks = [nn.Sequential(nn.Linear(width, width), nn.GELU()) for _ in range(depth)]  # expect: PTL301
        self.norm = nn.LayerNorm(width)

    def forward(self, x):
        for block in self.blocks:
            x = x + block(x)
        return self.norm(x)


model = MLP(10, [64, 32], 2)
print(sum(p.numel() for p in model.parameters()))
tower = ResidualTower(16, 4)
optimizer = torch.optim.SGD(list(model.parameters()) + list(tower.parameters()), lr=0.1)
