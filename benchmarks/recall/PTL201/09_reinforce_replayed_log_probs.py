# Source: https://github.com/pytorch/examples/issues/151
# Pattern: the REINFORCE example keeps each step's log-probability on the policy (`saved_log_probs`) and
# backpropagates in finish_episode(); the user calls finish_episode() more than once per episode to
# replay sampled experiences, so the second call walks the graph the first one freed.
# error: Trying to backward through the graph a second time
import random

import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Categorical


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(4, 32)
        self.affine2 = nn.Linear(32, 2)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        return F.softmax(self.affine2(F.relu(self.affine1(x))), dim=1)


policy = Policy()
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
gamma = 0.99


def select_action(state):
    probs = policy(state.unsqueeze(0))
    m = Categorical(probs)
    action = m.sample()
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item()


def finish_episode(batch_size=4):
    R, returns = 0.0, []
    for r in policy.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    picked = random.sample(range(len(returns)), batch_size)
    policy_loss = [-policy.saved_log_probs[i] * returns[i] for i in picked]
    optimizer.zero_grad()
    loss = torch.cat(policy_loss).sum()
    loss.backward()  # bug: PTL201
    optimizer.step()


random.seed(0)
for _i_episode in range(2):
    state = torch.randn(4)
    for _t in range(10):
        action = select_action(state)
        state, reward = torch.randn(4), float(action)
        policy.rewards.append(reward)
    for _replay in range(3):
        finish_episode()
    del policy.rewards[:]
    del policy.saved_log_probs[:]
