# Source: https://github.com/ling-pan/RES/issues/5
# Pattern: a multi-agent learner logs training statistics with `logger.log_stat(key, value, t)`,
# passing some values as CUDA tensors; `print_recent_stats` later averages each key's recent values
# with `np.mean([x[1] for x in self.stats[k][-window:]])`.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
from collections import defaultdict

import numpy as np
import torch
from torch import nn


class Logger:
    def __init__(self):
        self.stats = defaultdict(lambda: [])

    def log_stat(self, key, value, t):
        self.stats[key].append((t, value))

    def print_recent_stats(self):
        log_str = "Recent Stats | t_env: {:>10} | Episode: {:>8}\n".format(*self.stats["episode"][-1])
        for k, _v in sorted(self.stats.items()):
            if k == "episode":
                continue
            window = 5 if k != "epsilon" else 1
            item = f"{np.mean([x[1] for x in self.stats[k][-window:]]):.4f}"  # bug: PTL401
            log_str += "{:<25}{:>8}".format(k + ":", item)
        print(log_str)


class QLearner:
    def __init__(self, mixer, logger, device):
        self.mixer = mixer
        self.logger = logger
        self.device = device
        self.optimiser = torch.optim.RMSprop(mixer.parameters(), lr=5e-4)

    def train(self, batch, t_env):
        q = self.mixer(batch.to(self.device))
        loss = (q**2).mean()
        self.optimiser.zero_grad()
        loss.backward()
        grad_norm = nn.utils.clip_grad_norm_(self.mixer.parameters(), 10.0)
        self.logger.log_stat("loss", loss.item(), t_env)
        self.logger.log_stat("grad_norm", grad_norm, t_env)
        self.logger.log_stat("q_taken_mean", q.detach().mean(), t_env)


device = torch.device("cuda")
logger = Logger()
learner = QLearner(nn.Linear(8, 1).to(device), logger, device)
for t in range(3):
    learner.train(torch.randn(4, 8), t)
logger.log_stat("episode", 3, 3)
logger.print_recent_stats()
