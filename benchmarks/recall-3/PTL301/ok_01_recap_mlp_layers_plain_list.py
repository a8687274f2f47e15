# Source: https://github.com/twitter/the-algorithm-ml/pull/136
# Pattern: the PR's fix: the hidden layers are collected in a list and kept as
# `nn.ModuleList(...)`, so `parameters()` yields them and the optimizer trains them.
import torch
from torch import nn


class MlpConfig:
    def __init__(self, layer_sizes=(32, 16, 1), batch_norm=False, dropout=None):
        self.layer_sizes = layer_sizes
        self.batch_norm = batch_norm
        self.dropout = dropout


class Mlp(nn.Module):
    def __init__(self, in_features, mlp_config):
        super().__init__()
        self._mlp_config = mlp_config
        input_size = in_features
        layer_sizes = mlp_config.layer_sizes
        layers = []
        for layer_size in layer_sizes[:-1]:
            layers.append(nn.Linear(input_size, layer_size, bias=True))
            if mlp_config.batch_norm:
                layers.append(nn.BatchNorm1d(layer_size))
            layers.append(nn.ReLU())
            if mlp_config.dropout:
                layers.append(nn.Dropout(mlp_config.dropout))
            input_size = layer_size
        self.layers = nn.ModuleList(layers)
        self.output = nn.Linear(input_size, layer_sizes[-1], bias=True)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.output(x)


torch.manual_seed(0)
mlp = Mlp(in_features=8, mlp_config=MlpConfig())
optimizer = torch.optim.Adam(mlp.parameters(), lr=1e-2)
first = mlp.layers[0].weight.detach().clone()
for _ in range(5):
    x, y = torch.randn(16, 8), torch.rand(16, 1)
    loss = nn.functional.binary_cross_entropy_with_logits(mlp(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

if torch.equal(first, mlp.layers[0].weight):  # the listed layer trained now
    raise AssertionError("layers kept in a plain list were never trained")
