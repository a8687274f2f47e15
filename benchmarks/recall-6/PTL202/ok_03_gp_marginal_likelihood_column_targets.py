# Source: https://github.com/cornellius-gp/gpytorch/issues/679
# Pattern: the fix: targets of length N (`train_y.squeeze(-1)`), as the library expects
import math

import torch
import torch.nn as nn


class ExactGPModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.constant = nn.Parameter(torch.zeros(1))
        self.raw_lengthscale = nn.Parameter(torch.zeros(1))
        self.raw_outputscale = nn.Parameter(torch.zeros(1))
        self.raw_noise = nn.Parameter(torch.tensor(-2.0))

    def forward(self, x):
        mean = self.constant.expand(x.size(0))
        d = torch.cdist(x, x) / nn.functional.softplus(self.raw_lengthscale)
        covar = nn.functional.softplus(self.raw_outputscale) * torch.exp(-0.5 * d**2)
        return mean, covar + nn.functional.softplus(self.raw_noise) * torch.eye(x.size(0))


def exact_marginal_log_likelihood(output, target):
    mean, covar = output
    n = covar.size(-1)
    diff = target - mean
    inv_quad = (diff * torch.linalg.solve(covar, diff)).sum(0)
    return -0.5 * (inv_quad + torch.logdet(covar) + n * math.log(2 * math.pi)) / n


train_x = torch.linspace(0, 1, 20).unsqueeze(-1)
train_y = torch.sin(train_x * (2 * math.pi)) + torch.randn(train_x.size()) * 0.2

model = ExactGPModel()
optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
model.train()
for i in range(5):
    optimizer.zero_grad()
    output = model(train_x)
    loss = -exact_marginal_log_likelihood(output, train_y.squeeze(-1))
    loss.backward()
    optimizer.step()
