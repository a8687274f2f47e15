# Source: https://github.com/ray-project/ray/issues/3694
# Pattern: an A2C torch policy's `compute_actions()` runs the model on the observation batch with
# gradients enabled, samples the actions, and returns the value predictions as extra outputs with
# `vf.numpy()`; the value head's output requires grad.
# error: Can't call numpy() on Tensor that requires grad
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
        logits, vf = self.model(ob)
        actions = F.softmax(logits, dim=1).multinomial(1).squeeze(1)
        return actions.numpy(), {"vf_preds": vf.numpy()}  # bug: PTL402


policy = A2CTorchPolicy()
obs = np.random.randn(3, 4).astype(np.float32)
actions, extra = policy.compute_actions(obs)
print(actions, extra["vf_preds"])
