# Source: https://github.com/pranz24/pytorch-soft-actor-critic/pull/21
# Pattern: SAC's deterministic policy keeps an exploration-noise tensor `self.noise = torch.Tensor(
# num_actions)` and refills it in `sample()` with `normal_`; after `.to(device)` the policy's mean is
# on the GPU and the noise is not.
# error: Expected all tensors to be on the same device
# symptom: adding the noise in sample()
# device: fake-cuda
import torch
import torch.nn.functional as F
from torch import nn


class DeterministicPolicy(nn.Module):
    def __init__(self, num_inputs, num_actions, hidden_dim):
        super().__init__()
        self.linear1 = nn.Linear(num_inputs, hidden_dim)
        self.linear2 = nn.Linear(hidden_dim, hidden_dim)
        self.mean = nn.Linear(hidden_dim, num_actions)
        self.noise = torch.Tensor(num_actions)  # bug: PTL302
        self.action_scale = 1.0
        self.action_bias = 0.0

    def forward(self, state):
        x = F.relu(self.linear1(state))
        x = F.relu(self.linear2(x))
        return torch.tanh(self.mean(x)) * self.action_scale + self.action_bias

    def sample(self, state):
        mean = self.forward(state)
        noise = self.noise.normal_(0.0, std=0.1)
        noise = noise.clamp(-0.25, 0.25)
        action = mean + noise
        return action, torch.tensor(0.0), mean


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
policy = DeterministicPolicy(num_inputs=6, num_actions=2, hidden_dim=16).to(device)
state = torch.randn(4, 6).to(device)
action, _, _ = policy.sample(state)
print(action)
