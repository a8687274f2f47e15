# Source: https://github.com/ray-project/ray/issues/3694
# Pattern: the fix: `compute_actions()` runs the model under `torch.no_grad()`, so the value
# predictions it returns with `vf.numpy()` carry no graph.
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class ActorCriticModel(nn.Module):
    def __init__(self, obs_dim=4, num_outputs=2):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(obs_dim, 32), nn.Tanh())
        self.logits = nn.Linear(32, num_outputs)
        self.value_branch = nn.Linear(32, 1)

    def forward(self, obs):
        h = self.hidden(obs)
        return self.logits(h), self.value_branch(h).squeeze(1)


class A2CTorchPolicy:
    def __init__(self):
        self.model = ActorCriticModel()

    def compute_actions(self, obs_batch):
        ob = torch.from_numpy(np.array(obs_batch)).float()
        with torch.no_grad():
            logits, vf = self.model(ob)
        actions = F.softmax(logits, dim=1).multinomial(1).squeeze(1)
        return actions.numpy(), {"vf_preds": vf.numpy()}


policy = A2CTorchPolicy()
obs = np.random.randn(3, 4).astype(np.float32)
actions, extra = policy.compute_actions(obs)
print(actions, extra["vf_preds"])
