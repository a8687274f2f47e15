# Source: https://github.com/philtabor/Youtube-Code-Repository/issues/19
# Pattern: an actor-critic agent with experience replay stores the `log_prob` of each chosen action
# (a tensor with its graph) in its memory next to the transition; `learn()` samples stored entries and
# backwards the actor loss built from them, so a log-prob sampled a second time backwards into the
# graph its first update already freed.
# error: Trying to backward through the graph a second time
import random

import torch
import torch.nn.functional as F
from torch import nn


class ActorCriticNetwork(nn.Module):
    def __init__(self, input_dims, n_actions, fc_dims=32):
        super().__init__()
        self.fc1 = nn.Linear(input_dims, fc_dims)
        self.pi = nn.Linear(fc_dims, n_actions)
        self.v = nn.Linear(fc_dims, 1)
        self.optimizer = torch.optim.Adam(self.parameters(), lr=1e-3)

    def forward(self, state):
        x = F.relu(self.fc1(state))
        return self.pi(x), self.v(x)


class Agent:
    def __init__(self, input_dims=4, n_actions=2, gamma=0.99, batch_size=4):
        self.gamma, self.batch_size = gamma, batch_size
        self.actor_critic = ActorCriticNetwork(input_dims, n_actions)
        self.memory = []

    def choose_action(self, observation):
        probabilities, _ = self.actor_critic(torch.tensor([observation], dtype=torch.float))
        action_probs = torch.distributions.Categorical(F.softmax(probabilities, dim=1))
        action = action_probs.sample()
        return action.item(), action_probs.log_prob(action)

    def remember(self, state, log_prob, reward, state_, done):
        self.memory.append((state, log_prob, reward, state_, done))

    def learn(self):
        if len(self.memory) < self.batch_size:
            return
        batch = random.sample(self.memory, self.batch_size)
        self.actor_critic.optimizer.zero_grad()
        total = 0
        for state, log_prob, reward, state_, done in batch:
            _, critic_value = self.actor_critic(torch.tensor([state], dtype=torch.float))
            _, critic_value_ = self.actor_critic(torch.tensor([state_], dtype=torch.float))
            delta = reward + self.gamma * critic_value_.detach() * (1 - int(done)) - critic_value
            total = total + (-log_prob * delta.detach()).sum() + delta.pow(2).sum()
        total.backward()  # bug: PTL201
        self.actor_critic.optimizer.step()


random.seed(0)
agent = Agent()
observation = [0.0, 0.1, 0.0, -0.1]
for step in range(12):
    action, log_prob = agent.choose_action(observation)
    observation_ = [random.uniform(-1, 1) for _ in range(4)]
    agent.remember(observation, log_prob, 1.0, observation_, step % 5 == 4)
    agent.learn()
    observation = observation_
