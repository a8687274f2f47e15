# Source: https://github.com/leggedrobotics/rsl_rl/pull/175
# Pattern: a policy model with image observations subclasses the MLP model; its `__init__` builds the
# per-group CNN encoders and stores them in `self.cnns` first, to compute the CNN latent size it
# must pass to the parent's `__init__`, and only then calls `super().__init__()`.
# error: cannot assign module before Module.__init__() call
import torch
from torch import nn


class MLPModel(nn.Module):
    def __init__(self, obs_dim, num_actions, hidden_dims=(32, 32)):
        super().__init__()
        layers, size = [], obs_dim
        for h in hidden_dims:
            layers += [nn.Linear(size, h), nn.ELU()]
            size = h
        layers.append(nn.Linear(size, num_actions))
        self.mlp = nn.Sequential(*layers)

    def forward(self, obs):
        return self.mlp(obs)


class CNN(nn.Module):
    def __init__(self, in_channels, out_channels=8):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.output_dim = out_channels

    def forward(self, x):
        return self.net(x).flatten(1)


class CNNModel(MLPModel):
    def __init__(self, obs_groups_1d, obs_groups_2d, num_actions, cnn_channels=8):
        self.obs_groups_2d = obs_groups_2d
        self.cnns = nn.ModuleDict({g: CNN(c, cnn_channels) for g, c in obs_groups_2d.items()})  # bug: PTL303
        cnn_latent_dim = sum(cnn.output_dim for cnn in self.cnns.values())
        super().__init__(sum(obs_groups_1d.values()) + cnn_latent_dim, num_actions)

    def forward(self, obs_1d, obs_2d):
        latents = [self.cnns[g](obs_2d[g]) for g in self.obs_groups_2d]
        return self.mlp(torch.cat([obs_1d, *latents], dim=-1))


model = CNNModel({"proprio": 12}, {"depth": 1}, num_actions=4)
print(model(torch.randn(2, 12), {"depth": torch.randn(2, 1, 16, 16)}).shape)
