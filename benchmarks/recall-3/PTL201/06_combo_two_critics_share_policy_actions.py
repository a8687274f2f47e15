# Source: https://github.com/yihaosun1124/OfflineRL-Kit/issues/15
# Pattern: a COMBO-style policy's `learn()` computes the conservative penalty of both critics on
# actions sampled (with `rsample`) from the actor for the same states; `critic1_loss.backward()` frees
# the actor's part of the graph that `critic2_loss` shares, so the second critic's backward fails.
# error: Trying to backward through the graph a second time
import torch
from torch import nn


class TanhGaussianActor(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, 32), nn.ReLU())
        self.mu = nn.Linear(32, act_dim)
        self.log_std = nn.Linear(32, act_dim)

    def forward(self, obs):
        h = self.body(obs)
        dist = torch.distributions.Normal(self.mu(h), self.log_std(h).clamp(-5, 2).exp())
        raw = dist.rsample()
        return torch.tanh(raw), dist.log_prob(raw).sum(-1, keepdim=True)


class Critic(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim + act_dim, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, obs, act):
        return self.net(torch.cat([obs, act], dim=-1))


class COMBOPolicy:
    def __init__(self, obs_dim=6, act_dim=2, cql_weight=1.0, num_repeat=4):
        self.actor = TanhGaussianActor(obs_dim, act_dim)
        self.critic1, self.critic2 = Critic(obs_dim, act_dim), Critic(obs_dim, act_dim)
        self.critic1_optim = torch.optim.Adam(self.critic1.parameters(), lr=3e-4)
        self.critic2_optim = torch.optim.Adam(self.critic2.parameters(), lr=3e-4)
        self.cql_weight, self.num_repeat = cql_weight, num_repeat

    def calc_pi_values(self, obs_pi, obs_to_pred):
        act, log_prob = self.actor(obs_pi)
        q1 = self.critic1(obs_to_pred, act)
        q2 = self.critic2(obs_to_pred, act)
        return q1 - log_prob, q2 - log_prob

    def learn(self, batch):
        obss, actions, target_q = batch["observations"], batch["actions"], batch["target_q"]
        q1, q2 = self.critic1(obss, actions), self.critic2(obss, actions)
        critic1_loss = ((q1 - target_q).pow(2)).mean()
        critic2_loss = ((q2 - target_q).pow(2)).mean()

        tmp_obss = obss.unsqueeze(1).repeat(1, self.num_repeat, 1).view(-1, obss.shape[-1])
        obs_pi_value1, obs_pi_value2 = self.calc_pi_values(tmp_obss, tmp_obss)
        conservative_loss1 = torch.logsumexp(obs_pi_value1.view(-1, self.num_repeat), dim=1).mean() - q1.mean()
        conservative_loss2 = torch.logsumexp(obs_pi_value2.view(-1, self.num_repeat), dim=1).mean() - q2.mean()
        critic1_loss = critic1_loss + self.cql_weight * conservative_loss1
        critic2_loss = critic2_loss + self.cql_weight * conservative_loss2

        self.critic1_optim.zero_grad()
        critic1_loss.backward()
        self.critic1_optim.step()
        self.critic2_optim.zero_grad()
        critic2_loss.backward()  # bug: PTL201
        self.critic2_optim.step()
        return {"loss/critic1": critic1_loss.item(), "loss/critic2": critic2_loss.item()}


policy = COMBOPolicy()
for _ in range(2):
    batch = {"observations": torch.randn(8, 6), "actions": torch.rand(8, 2) * 2 - 1, "target_q": torch.randn(8, 1)}
    print(policy.learn(batch))
