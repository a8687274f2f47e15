# Source: https://github.com/cpnota/autonomous-learning-library/issues/61
# Pattern: "Consider an actor-critic network with shared features ... backpropagation through the features is
#   occurring twice: once for the backwards pass through the actor and once through the backwards pass for the
#   critic"; the shared feature network's output feeds both heads, the policy loss is backwarded, then the value
#   loss, whose backward reaches the features' graph the first one freed
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn
from torch.distributions import Categorical


class FeatureNetwork(nn.Module):
    def __init__(self, obs_dim=6, hidden=32):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh())

    def forward(self, states):
        return self.body(states)


class A2C:
    def __init__(self, features, policy, value, lr=1e-3, discount=0.99):
        self.features, self.policy, self.value = features, policy, value
        params = list(features.parameters()) + list(policy.parameters()) + list(value.parameters())
        self.optimizer = torch.optim.RMSprop(params, lr=lr)
        self.discount = discount

    def train(self, states, actions, rewards, next_states):
        self.optimizer.zero_grad()
        features = self.features(states)
        values = self.value(features).squeeze(-1)
        with torch.no_grad():
            targets = rewards + self.discount * self.value(self.features(next_states)).squeeze(-1)
        advantages = targets - values.detach()
        log_probs = Categorical(logits=self.policy(features)).log_prob(actions)
        policy_loss = -(advantages * log_probs).mean()
        value_loss = (targets - values).pow(2).mean()
        policy_loss.backward()
        value_loss.backward()  # bug: PTL201
        self.optimizer.step()


agent = A2C(FeatureNetwork(), nn.Linear(32, 4), nn.Linear(32, 1))
for update in range(3):
    agent.train(torch.randn(10, 6), torch.randint(0, 4, (10,)), torch.randn(10), torch.randn(10, 6))
