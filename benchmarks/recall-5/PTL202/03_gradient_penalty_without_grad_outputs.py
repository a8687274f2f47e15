# Source: https://github.com/caogang/wgan-gp/issues/28
# Pattern: the question "what is `grad_outputs` for in the gradient penalty?": without it,
#   `autograd.grad` of the critic's per-sample outputs (one per interpolated sample) raises
# error: grad can be implicitly created only for scalar outputs
import torch
import torch.nn as nn
from torch import autograd

LAMBDA = 10


def calc_gradient_penalty(netD, real_data, fake_data):
    alpha = torch.rand(real_data.size(0), 1).expand_as(real_data)
    interpolates = (alpha * real_data + (1 - alpha) * fake_data).requires_grad_(True)
    disc_interpolates = netD(interpolates)
    gradients = autograd.grad(  # bug: PTL202
        outputs=disc_interpolates, inputs=interpolates, create_graph=True, retain_graph=True, only_inputs=True
    )[0]
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean() * LAMBDA


netG = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
netD = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1))
optimizerD = torch.optim.Adam(netD.parameters(), lr=1e-4, betas=(0.5, 0.9))

for _ in range(3):
    real = torch.randn(64, 2)
    fake = netG(torch.randn(64, 4)).detach()
    netD.zero_grad()
    d_cost = netD(fake).mean() - netD(real).mean() + calc_gradient_penalty(netD, real, fake)
    d_cost.backward()
    optimizerD.step()
