# Source: https://github.com/GuHY777/SS-VAE-pytorch/issues/1
# Pattern: a Gaussian log-density helper written with numpy functions receives the encoder's outputs,
# which require grad.
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
from torch import nn


def log_Gaussian_pro(x, mu, var):
    return -0.5 * np.sum(np.log(2 * np.pi * var) + (x - mu) ** 2 / var, axis=-1)  # bug: PTL402


class Encoder(nn.Module):
    def __init__(self, d_in=6, d_z=2):
        super().__init__()
        self.mu = nn.Linear(d_in, d_z)
        self.logvar = nn.Linear(d_in, d_z)

    def forward(self, x):
        return self.mu(x), self.logvar(x).exp()


enc = Encoder()
z_mu, z_var = enc(torch.randn(4, 6))
z = z_mu + z_var.sqrt() * torch.randn_like(z_mu)
log_q_z = log_Gaussian_pro(z, z_mu, z_var)
