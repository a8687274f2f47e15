# Source: https://github.com/PaddlePaddle/PARL/issues/324
# Pattern: the quick-start CartPole agent puts its policy model on the GPU when one is available; its
# `sample(obs)` method gets the action probabilities from the algorithm's `predict` and converts them
# with `prob.data.numpy()` to draw an action.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
from torch import nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class CartpoleModel(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.fc1 = nn.Linear(obs_dim, 10)
        self.fc2 = nn.Linear(10, act_dim)

    def forward(self, x):
        return torch.softmax(self.fc2(torch.tanh(self.fc1(x))), dim=-1)


class PolicyGradient:
    def __init__(self, model, lr):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def predict(self, obs):
        return self.model(obs)


class CartpoleAgent:
    def __init__(self, algorithm):
        self.alg = algorithm

    def sample(self, obs):
        obs = torch.tensor(obs, dtype=torch.float32, device=device)
        prob = self.alg.predict(obs)
        prob = prob.data.numpy()  # bug: PTL401
        return np.random.choice(len(prob), 1, p=prob / prob.sum())[0]


model = CartpoleModel(obs_dim=4, act_dim=2).to(device)
agent = CartpoleAgent(PolicyGradient(model, lr=1e-3))
print(agent.sample(np.random.rand(4)))
