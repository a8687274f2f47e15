# Source: https://github.com/hijkzzz/pymarl2/issues/46
# Pattern: a PPO learner computes the advantages from the critic once, outside the `mini_epochs` loop, and
#   reuses them in every mini-epoch; the second mini-epoch backwards through the critic graph the first freed
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn


class PPOLearner:
    def __init__(self, obs_dim, n_actions, mini_epochs=4):
        self.actor = nn.Sequential(nn.Linear(obs_dim, 32), nn.Tanh(), nn.Linear(32, n_actions))
        self.critic = nn.Sequential(nn.Linear(obs_dim, 32), nn.Tanh(), nn.Linear(32, 1))
        params = list(self.actor.parameters()) + list(self.critic.parameters())
        self.optimiser = torch.optim.Adam(params, lr=5e-4)
        self.mini_epochs = mini_epochs
        self.eps_clip = 0.2

    def train(self, obs, actions, returns, old_log_probs):
        values = self.critic(obs).squeeze(-1)
        advantages = returns - values
        for _ in range(self.mini_epochs):
            log_probs = self.actor(obs).log_softmax(-1).gather(1, actions[:, None]).squeeze(1)
            ratios = torch.exp(log_probs - old_log_probs)
            surr1 = ratios * advantages
            surr2 = torch.clamp(ratios, 1 - self.eps_clip, 1 + self.eps_clip) * advantages
            actor_loss = -torch.min(surr1, surr2).mean()
            critic_loss = ((returns - self.critic(obs).squeeze(-1)) ** 2).mean()
            loss = actor_loss + 0.5 * critic_loss
            self.optimiser.zero_grad()
            loss.backward()  # bug: PTL201
            self.optimiser.step()


learner = PPOLearner(obs_dim=6, n_actions=3)
obs = torch.randn(32, 6)
actions = torch.randint(0, 3, (32,))
with torch.no_grad():
    old_log_probs = learner.actor(obs).log_softmax(-1).gather(1, actions[:, None]).squeeze(1)
learner.train(obs, actions, torch.randn(32), old_log_probs)
