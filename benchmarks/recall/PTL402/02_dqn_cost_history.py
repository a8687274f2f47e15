# Source: https://github.com/ClownW/Reinforcement-learning-with-PyTorch/issues/3
# Pattern: a DQN agent appends each training loss tensor to `self.cost_his` and plots it at the end,
# which turns the list of grad-requiring tensors into an array.
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
from torch import nn


class DeepQNetwork:
    def __init__(self, n_actions=2, n_features=4, lr=0.01):
        self.eval_net = nn.Sequential(nn.Linear(n_features, 10), nn.ReLU(), nn.Linear(10, n_actions))
        self.optimizer = torch.optim.RMSprop(self.eval_net.parameters(), lr=lr)
        self.loss_func = nn.MSELoss()
        self.cost_his = []

    def learn(self, s, q_target):
        q_eval = self.eval_net(s)
        loss = self.loss_func(q_eval, q_target)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.cost_his.append(loss)

    def plot_cost(self):
        costs = np.array(self.cost_his)  # bug: PTL402
        return np.arange(len(costs)), costs


dqn = DeepQNetwork()
for _step in range(3):
    dqn.learn(torch.randn(8, 4), torch.randn(8, 2))
dqn.plot_cost()
