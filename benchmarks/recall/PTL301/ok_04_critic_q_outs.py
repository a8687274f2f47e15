# Source: https://github.com/marlbenchmark/off-policy/pull/12
# Fix (the pull request): nn.ModuleList.
# device: fake-cuda
import torch
from torch import nn


def init_(m):
    nn.init.orthogonal_(m.weight)
    nn.init.zeros_(m.bias)
    return m


class MDDPGCritic(nn.Module):
    def __init__(self, obs_dim, act_dim, hidden_size=32, num_q_outs=2, device="cpu"):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(obs_dim + act_dim, hidden_size), nn.ReLU())
        self.q_outs = nn.ModuleList([init_(nn.Linear(hidden_size, 1)) for _ in range(num_q_outs)])
        self.to(device)

    def forward(self, obs, act):
        h = self.mlp(torch.cat([obs, act], dim=-1))
        return [q_out(h) for q_out in self.q_outs]


device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
critic = MDDPGCritic(6, 2, device=device)
q_values = critic(torch.randn(4, 6, device=device), torch.randn(4, 2, device=device))
