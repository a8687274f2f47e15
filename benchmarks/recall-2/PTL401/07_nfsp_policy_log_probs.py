# Source: https://github.com/datamllab/rlcard/issues/174
# Pattern: an NFSP agent built with `device="cuda"` computes its average-policy log-probabilities in
# `_act` under `torch.no_grad()` and converts them with `.numpy()`.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
from torch import nn


class AveragePolicyNetwork(nn.Module):
    def __init__(self, num_actions, state_shape):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(int(np.prod(state_shape)), 16), nn.Tanh(), nn.Linear(16, num_actions))

    def forward(self, s):
        return torch.log_softmax(self.mlp(s), dim=-1)


class NFSPAgent:
    def __init__(self, num_actions, state_shape, device=None):
        if device is None:
            device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
        self.device = device
        self.num_actions = num_actions
        self.policy_network = AveragePolicyNetwork(num_actions, state_shape).to(self.device)
        self.policy_network.eval()

    def _act(self, info_state):
        info_state = np.expand_dims(info_state, axis=0)
        info_state = torch.from_numpy(info_state).float().to(self.device)
        with torch.no_grad():
            log_action_probs = self.policy_network(info_state).numpy()  # bug: PTL401
        action_probs = np.exp(log_action_probs)[0]
        return np.random.choice(len(action_probs), p=action_probs / action_probs.sum())


agent = NFSPAgent(num_actions=3, state_shape=[6], device=torch.device("cuda"))
print(agent._act(np.random.rand(6)))
