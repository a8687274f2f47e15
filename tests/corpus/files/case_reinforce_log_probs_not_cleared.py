# REINFORCE with a module-level list of log-probs that is never cleared between episodes: the
# second episode's loss includes the first episode's log-probs, whose graph is already freed.
import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical

policy = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2), nn.Softmax(dim=-1))
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
saved_log_probs = []
rewards = []


def run_episode(max_steps=50):
    state = np.random.randn(4).astype(np.float32)
    for _ in range(max_steps):
        probs = policy(torch.from_numpy(state))
        dist = Categorical(probs)
        action = dist.sample()
        saved_log_probs.append(dist.log_prob(action))
        rewards.append(1.0)
        state = np.random.randn(4).astype(np.float32)


for episode in range(100):
    rewards.clear()
    run_episode()
    returns = torch.tensor(np.cumsum(rewards[::-1])[::-1].copy(), dtype=torch.float32)
    returns = (returns - returns.mean()) / (returns.std() + 1e-8)
    loss = -(torch.stack(saved_log_probs[-len(returns):]) * returns).sum() - 0.01 * torch.stack(saved_log_probs).mean()
    optimizer.zero_grad()
    loss.backward()  # expect: PTL201
    optimizer.step()
