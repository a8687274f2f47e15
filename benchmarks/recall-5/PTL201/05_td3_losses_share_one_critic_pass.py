# Source: https://github.com/pytorch/rl/issues/1187
# Pattern: a TD3 loss module evaluates the critic once on the actor's actions and the replayed actions together
#   and returns both losses from that one pass; the training loop backwards the actor loss, steps, then
#   backwards the value loss through the shared critic graph the first backward freed
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn


class TD3Loss(nn.Module):
    def __init__(self, actor, critic, gamma=0.99):
        super().__init__()
        self.actor = actor
        self.critic = critic
        self.gamma = gamma

    def forward(self, obs, action, reward, next_obs):
        n = obs.shape[0]
        pi_action = self.actor(obs)
        q = self.critic(torch.cat([torch.cat([obs, pi_action], -1), torch.cat([obs, action], -1)], 0))
        with torch.no_grad():
            target = reward + self.gamma * self.critic(torch.cat([next_obs, self.actor(next_obs)], -1))
        return {"loss_actor": -q[:n].mean(), "loss_qvalue": ((q[n:] - target) ** 2).mean()}


actor = nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Linear(32, 2), nn.Tanh())
critic = nn.Sequential(nn.Linear(7, 32), nn.ReLU(), nn.Linear(32, 1))
loss_module = TD3Loss(actor, critic)
actor_opt = torch.optim.Adam(actor.parameters(), lr=1e-3)
critic_opt = torch.optim.Adam(critic.parameters(), lr=1e-3)

for _ in range(3):
    obs, action = torch.randn(16, 5), torch.rand(16, 2) * 2 - 1
    reward, next_obs = torch.randn(16, 1), torch.randn(16, 5)
    loss = loss_module(obs, action, reward, next_obs)
    actor_opt.zero_grad()
    loss["loss_actor"].backward()
    actor_opt.step()
    critic_opt.zero_grad()
    loss["loss_qvalue"].backward()  # bug: PTL201
    critic_opt.step()
