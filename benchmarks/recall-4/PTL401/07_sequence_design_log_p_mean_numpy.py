# Source: https://github.com/ProteinDesignLab/protein_seq_des/pull/4
# Pattern: a sequence-design sampler keeps the running mean log-probability of the designed sequence,
# `log_p_mean`, a one-element tensor computed on the GPU from the model's output and still
# attached to its graph, and writes it to the run's log with numpy; the conversion fails. The PR
# takes `log_p_mean.item()` instead.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
from torch import nn


class ResidueClassifier(nn.Module):
    def __init__(self, n_features=12, n_aa=20):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_features, 32), nn.ReLU(), nn.Linear(32, n_aa))

    def forward(self, env):
        return self.net(env)


class Sampler:
    def __init__(self, model, device, n_res=8):
        self.model = model
        self.device = device
        self.seq = torch.randint(0, 20, (n_res,), device=device)
        self.log = []

    def step(self, env):
        logits = self.model(env)
        log_p = logits.log_softmax(-1).gather(-1, self.seq[:, None]).squeeze(-1)
        log_p_mean = log_p.mean()
        self.seq = logits.argmax(-1).detach()
        self.log.append(np.round(np.asarray(log_p_mean), 4))  # bug: PTL401
        return log_p_mean


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = ResidueClassifier().to(device)
sampler = Sampler(model, device)
for _ in range(3):
    sampler.step(torch.randn(8, 12, device=device))
print(sampler.log)
