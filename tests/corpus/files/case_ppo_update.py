# PPO update over several epochs of minibatches from a rollout buffer. Old log-probs, values
# and advantages are stored detached, so each minibatch builds a fresh graph. Correct.
import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Agent(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.critic = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 1))
        self.actor = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, n_actions))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        logits = self.actor(x)
        probs = Categorical(logits=logits)
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(x)


agent = Agent(8, 4).to(device)
optimizer = torch.optim.Adam(agent.parameters(), lr=2.5e-4, eps=1e-5)
num_steps, batch_size, minibatch_size, update_epochs = 128, 128, 32, 4
obs = torch.zeros((num_steps, 8)).to(device)
actions = torch.zeros(num_steps).to(device)
logprobs = torch.zeros(num_steps).to(device)
values = torch.zeros(num_steps).to(device)
rewards = torch.zeros(num_steps).to(device)

next_obs = torch.randn(8).to(device)
for step in range(num_steps):
    obs[step] = next_obs
    with torch.no_grad():
        action, logprob, _, value = agent.get_action_and_value(next_obs)
        values[step] = value.flatten()
    actions[step] = action
    logprobs[step] = logprob
    next_obs, reward = torch.randn(8).to(device), torch.tensor(1.0).to(device)
    rewards[step] = reward

with torch.no_grad():
    advantages = rewards - values
    returns = advantages + values

b_inds = np.arange(batch_size)
clipfracs = []
for epoch in range(update_epochs):
    np.random.shuffle(b_inds)
    for start in range(0, batch_size, minibatch_size):
        mb_inds = b_inds[start:start + minibatch_size]
        _, newlogprob, entropy, newvalue = agent.get_action_and_value(obs[mb_inds], actions.long()[mb_inds])
        logratio = newlogprob - logprobs[mb_inds]
        ratio = logratio.exp()
        with torch.no_grad():
            clipfracs += [((ratio - 1.0).abs() > 0.2).float().mean().item()]
        mb_adv = advantages[mb_inds]
        pg_loss = torch.max(-mb_adv * ratio, -mb_adv * torch.clamp(ratio, 0.8, 1.2)).mean()
        v_loss = 0.5 * ((newvalue.view(-1) - returns[mb_inds]) ** 2).mean()
        loss = pg_loss - 0.01 * entropy.mean() + v_loss * 0.5
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
        optimizer.step()

y_pred, y_true = values.cpu().numpy(), returns.cpu().numpy()
explained_var = 1 - np.var(y_true - y_pred) / np.var(y_true)
print(explained_var, np.mean(clipfracs))
