# Source: https://github.com/parnika31/MACAAC/issues/1
# Pattern: the multi-agent actor-attention-critic's episode loop (`main_treasure_collection.py`) turns the agents'
#   sampled actions into numpy arrays for the environment; the actions come from the policies' forward with
#   gradients on, and the run stops in the first episodes with "Can't call numpy() on Variable that requires grad.
#   Use var.detach().numpy() instead."
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
n_agents, obs_dim, act_dim = 3, 6, 5


class DiscretePolicy(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, 32), nn.LeakyReLU(), nn.Linear(32, act_dim))

    def forward(self, obs, sample=True):
        logits = self.net(obs)
        return F.gumbel_softmax(logits, hard=True) if sample else F.one_hot(logits.argmax(-1), act_dim).float()


class AttentionSAC:
    def __init__(self):
        self.policies = [DiscretePolicy() for _ in range(n_agents)]

    def step(self, observations, explore=False):
        return [pi(obs, sample=explore) for pi, obs in zip(self.policies, observations)]


class TreasureCollectionEnv:
    def reset(self):
        return [np.random.randn(1, obs_dim).astype(np.float32) for _ in range(n_agents)]

    def step(self, actions):
        obs = [np.random.randn(1, obs_dim).astype(np.float32) for _ in range(n_agents)]
        rewards = [float(a.argmax() == 0) for a in actions]
        return obs, rewards, [False] * n_agents


model, env = AttentionSAC(), TreasureCollectionEnv()
for ep_i in range(2):
    obs = env.reset()
    for et_i in range(5):
        torch_obs = [torch.from_numpy(o) for o in obs]
        torch_agent_actions = model.step(torch_obs, explore=True)
        agent_actions = [ac.numpy() for ac in torch_agent_actions]  # bug: PTL402
        obs, rewards, dones = env.step([a[0] for a in agent_actions])
    print(f"Episodes {ep_i + 1}: reward {sum(rewards)}")
