# Actor-critic with separate networks and optimizers. The advantage is detached for the actor,
# so the two backward calls touch disjoint graphs: correct, must stay silent.
import numpy as np
import torch
from torch import nn
from torch.distributions import Normal


class Actor(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.mu = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, act_dim))
        self.log_std = nn.Parameter(torch.zeros(act_dim))

    def forward(self, obs):
        return Normal(self.mu(obs), self.log_std.exp())


class Critic(nn.Module):
    def __init__(self, obs_dim):
        super().__init__()
        self.v = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 1))

    def forward(self, obs):
        return self.v(obs).squeeze(-1)


def update(actor, critic, actor_opt, critic_opt, obs, actions, returns):
    values = critic(obs)
    advantage = returns - values
    log_prob = actor(obs).log_prob(actions).sum(-1)

    actor_loss = -(log_prob * advantage.detach()).mean()
    actor_opt.zero_grad()
    actor_loss.backward()
    actor_opt.step()

    critic_loss = advantage.pow(2).mean()
    critic_opt.zero_grad()
    critic_loss.backward()
    critic_opt.step()
    return actor_loss.item(), critic_loss.item()


def rollout(actor, n=256, obs_dim=3):
    obs = torch.randn(n, obs_dim)
    with torch.no_grad():
        actions = actor(obs).sample()
    rewards = -(actions ** 2).sum(-1)
    return obs, actions, rewards


if __name__ == "__main__":
    actor, critic = Actor(3, 1), Critic(3)
    actor_opt = torch.optim.Adam(actor.parameters(), lr=3e-4)
    critic_opt = torch.optim.Adam(critic.parameters(), lr=1e-3)
    history = []
    for it in range(200):
        obs, actions, rewards = rollout(actor)
        history.append(update(actor, critic, actor_opt, critic_opt, obs, actions, rewards))
    print(np.array(history)[-10:])
    print(actions.numpy()[:5])
