# Mixture-of-experts layer: experts in a dict keyed by name, per-expert gates as a tuple of
# Parameters. Neither container is registered, so the experts never train.
from torch import nn
import torch


class MoE(nn.Module):
    def __init__(self, dim, expert_names=("math", "code", "chat"), hidden=128):
        super().__init__()
        self.expert_names = list(expert_names)
        self.experts = {  # expect: PTL301
            name: nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, dim))
            for name in expert_names
        }
        self.gate_bias = (nn.Parameter(torch.zeros(1)), nn.Parameter(torch.zeros(1)), nn.Parameter(torch.zeros(1)))  # expect: PTL301
        self.router = nn.Linear(dim, len(expert_names))

    def forward(self, x):
        weights = torch.softmax(self.router(x), dim=-1)
        out = 0
        for i, name in enumerate(self.expert_names):
            out = out + (weights[..., i:i + 1] + self.gate_bias[i]) * self.experts[name](x)
        return out


class Adapters(nn.Module):
    """Per-language adapters filled in after construction."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim
        self.adapters = {}  # expect: PTL301

    def add_language(self, lang):
        self.adapters[lang] = nn.Linear(self.dim, self.dim)

    def forward(self, x, lang):
        return x + self.adapters[lang](x)


moe = MoE(64)
print(sum(p.numel() for p in moe.parameters()))
ad = Adapters(64)
ad.add_language("de")
