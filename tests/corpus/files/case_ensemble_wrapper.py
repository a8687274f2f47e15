# An ensemble helper that is not an nn.Module: keeping models in a Python list is fine here,
# each model is its own Module with its own optimizer. Config objects hold lists of ints.
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn


@dataclass
class Config:
    hidden_sizes: list = field(default_factory=lambda: [128, 64])
    seeds: tuple = (0, 1, 2, 3, 4)
    lr: float = 1e-3


def make_model(cfg):
    layers, prev = [], 20
    for h in cfg.hidden_sizes:
        layers += [nn.Linear(prev, h), nn.ReLU()]
        prev = h
    layers.append(nn.Linear(prev, 1))
    return nn.Sequential(*layers)


class DeepEnsemble:
    def __init__(self, cfg):
        self.cfg = cfg
        self.models = []
        for seed in cfg.seeds:
            torch.manual_seed(seed)
            self.models.append(make_model(cfg))
        self.optimizers = [torch.optim.Adam(m.parameters(), lr=cfg.lr) for m in self.models]
        self.heads = [nn.Linear(1, 1) for _ in cfg.seeds]

    def fit_step(self, x, y):
        losses = []
        for model, opt in zip(self.models, self.optimizers):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return np.mean(losses)

    def predict(self, x):
        with torch.no_grad():
            preds = torch.stack([m(x) for m in self.models])
        return preds.mean(0).numpy(), preds.std(0).numpy()


class Trainer(object):
    def __init__(self, model, callbacks=None):
        self.model = model
        self.callbacks = callbacks or []
        self.layer_sizes = [p.numel() for p in model.parameters()]


ens = DeepEnsemble(Config())
x, y = torch.randn(64, 20), torch.randn(64, 1)
for _ in range(10):
    ens.fit_step(x, y)
mean, std = ens.predict(x)
print(mean[:3], std[:3])
