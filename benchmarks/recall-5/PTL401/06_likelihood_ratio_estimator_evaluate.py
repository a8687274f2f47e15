# Source: https://github.com/madminer-tool/madminer/pull/210
# Pattern: a likelihood-ratio estimator trains and evaluates its network on the GPU when one is there; the
#   evaluation helper returns the network's output with `.detach().numpy()`, never copying it back to the CPU
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn


class RatioModel(nn.Module):
    def __init__(self, n_observables, n_parameters, n_hidden=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_observables + n_parameters, n_hidden), nn.Tanh(), nn.Linear(n_hidden, 1))

    def forward(self, theta, x):
        return self.net(torch.cat([theta, x], dim=1))


def evaluate_ratio_model(model, theta, x, run_on_gpu=True):
    device = torch.device("cuda" if run_on_gpu and torch.cuda.is_available() else "cpu")
    model = model.to(device)
    theta = torch.from_numpy(theta).float().to(device)
    x = torch.from_numpy(x).float().to(device)
    log_r_hat = model(theta, x)
    return log_r_hat.detach().numpy()  # bug: PTL401


model = RatioModel(n_observables=5, n_parameters=2)
print(evaluate_ratio_model(model, np.random.rand(10, 2), np.random.rand(10, 5)).shape)
