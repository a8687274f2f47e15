# Source: https://github.com/floracharbo/MARL_local_electricity/pull/65
# Pattern: a multi-agent learner for a local electricity market moves its Q-network to the GPU when one is
#   available, and its action selection turns the Q-values into a NumPy array with `.numpy()`
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn


class HouseholdAgents:
    def __init__(self, n_agents, obs_dim, n_actions, cuda=True):
        self.device = torch.device("cuda") if cuda and torch.cuda.is_available() else torch.device("cpu")
        self.q_net = nn.Sequential(nn.Linear(obs_dim, 64), nn.ReLU(), nn.Linear(64, n_actions)).to(self.device)
        self.n_agents = n_agents
        self.eps = 0.1

    def select_actions(self, obs):
        state = torch.tensor(obs, dtype=torch.float32, device=self.device)
        with torch.no_grad():
            q_values = self.q_net(state).numpy()  # bug: PTL401
        greedy = q_values.argmax(axis=1)
        explore = np.random.rand(self.n_agents) < self.eps
        return np.where(explore, np.random.randint(q_values.shape[1], size=self.n_agents), greedy)


agents = HouseholdAgents(n_agents=5, obs_dim=7, n_actions=4)
print(agents.select_actions(np.random.rand(5, 7)))
