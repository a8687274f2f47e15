# Source: https://github.com/philtabor/Multi-Agent-Deep-Deterministic-Policy-Gradients/issues/2
# Pattern: fix (as the thread's corrected snippet): the targets are computed without grad and each agent's actor
#   loss uses actions recomputed after the earlier agents' steps, the other agents' actions detached
import torch as T
import torch.nn as nn
import torch.nn.functional as F

T.manual_seed(0)
n_agents, obs_dim, n_actions, batch = 2, 6, 2, 16


class ActorNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.pi = nn.Linear(obs_dim, 32), nn.Linear(32, n_actions)
        self.optimizer = T.optim.Adam(self.parameters(), lr=1e-3)

    def forward(self, state):
        return T.softmax(self.pi(F.relu(self.fc1(state))), dim=1)


class CriticNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(n_agents * (obs_dim + n_actions), 32)
        self.q = nn.Linear(32, 1)
        self.optimizer = T.optim.Adam(self.parameters(), lr=1e-3)

    def forward(self, state, action):
        return self.q(F.relu(self.fc1(T.cat([state, action], dim=1))))


class Agent:
    def __init__(self, gamma=0.95):
        self.actor, self.target_actor = ActorNetwork(), ActorNetwork()
        self.critic, self.target_critic = CriticNetwork(), CriticNetwork()
        self.gamma = gamma


class MADDPG:
    def __init__(self):
        self.agents = [Agent() for _ in range(n_agents)]

    def learn(self, actor_states, states, actions, rewards, actor_new_states, states_, dones):
        all_agents_new_actions, old_agents_actions = [], []
        for agent_idx, agent in enumerate(self.agents):
            all_agents_new_actions.append(agent.target_actor(actor_new_states[agent_idx]))
            old_agents_actions.append(actions[agent_idx])
        new_actions = T.cat(all_agents_new_actions, dim=1)
        old_actions = T.cat(old_agents_actions, dim=1)

        for agent_idx, agent in enumerate(self.agents):
            with T.no_grad():
                critic_value_ = agent.target_critic(states_, new_actions).flatten()
            critic_value_[dones[:, 0]] = 0.0
            critic_value = agent.critic(states, old_actions).flatten()
            target = rewards[:, agent_idx] + agent.gamma * critic_value_
            critic_loss = F.mse_loss(target, critic_value)
            agent.critic.optimizer.zero_grad()
            critic_loss.backward()
            agent.critic.optimizer.step()

            mu = T.cat(
                [
                    other.actor(actor_states[i]) if i == agent_idx else other.actor(actor_states[i]).detach()
                    for i, other in enumerate(self.agents)
                ],
                dim=1,
            )
            actor_loss = -agent.critic(states, mu).flatten().mean()
            agent.actor.optimizer.zero_grad()
            actor_loss.backward()
            agent.actor.optimizer.step()


maddpg = MADDPG()
actor_states = [T.randn(batch, obs_dim) for _ in range(n_agents)]
actor_new_states = [T.randn(batch, obs_dim) for _ in range(n_agents)]
states, states_ = T.cat(actor_states, dim=1), T.cat(actor_new_states, dim=1)
actions = [T.softmax(T.randn(batch, n_actions), dim=1) for _ in range(n_agents)]
rewards, dones = T.randn(batch, n_agents), T.zeros(batch, n_agents, dtype=T.bool)
maddpg.learn(actor_states, states, actions, rewards, actor_new_states, states_, dones)
print("learned")
