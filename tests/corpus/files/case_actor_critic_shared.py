# Advantage actor-critic on CartPole with a shared body. The author backprops the actor loss and
# the critic loss separately; the critic backward runs through the body graph that the actor
# backward freed (the advantage is not detached either).
import gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical


class ActorCritic(nn.Module):
    def __init__(self, obs_dim, n_actions, hidden=128):
        super().__init__()
        self.body = nn.Linear(obs_dim, hidden)
        self.policy = nn.Linear(hidden, n_actions)
        self.value = nn.Linear(hidden, 1)

    def forward(self, x):
        h = F.relu(self.body(x))
        return F.softmax(self.policy(h), dim=-1), self.value(h)


def discount(rewards, gamma=0.99):
    returns, R = [], 0.0
    for r in reversed(rewards):
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    return (returns - returns.mean()) / (returns.std() + 1e-8)


env = gym.make("CartPole-v1")
model = ActorCritic(env.observation_space.shape[0], env.action_space.n)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)

for episode in range(500):
    state, _ = env.reset()
    log_probs, values, rewards = [], [], []
    done = False
    while not done:
        probs, value = model(torch.from_numpy(state).float())
        dist = Categorical(probs)
        action = dist.sample()
        state, reward, terminated, truncated, _ = env.step(action.item())
        done = terminated or truncated
        log_probs.append(dist.log_prob(action))
        values.append(value.squeeze(0))
        rewards.append(reward)

    returns = discount(rewards)
    values = torch.stack(values)
    log_probs = torch.stack(log_probs)
    advantage = returns - values

    actor_loss = -(log_probs * advantage).mean()
    critic_loss = advantage.pow(2).mean()
    optimizer.zero_grad()
    actor_loss.backward()
    critic_loss.backward()  # expect: PTL201
    optimizer.step()
    if episode % 10 == 0:
        print(episode, np.sum(rewards), values.detach().numpy().mean())
