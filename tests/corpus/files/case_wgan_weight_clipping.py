# WGAN with weight clipping, written after the original paper's code (which clamps p.data).
import torch
import torch.nn as nn
from torch.autograd import Variable  # expect: PTL101

clamp_lower, clamp_upper = -0.01, 0.01
n_critic = 5
nz = 64

netG = nn.Sequential(nn.Linear(nz, 128), nn.ReLU(), nn.Linear(128, 2))
netD = nn.Sequential(nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 1))
optimizerD = torch.optim.RMSprop(netD.parameters(), lr=5e-5)
optimizerG = torch.optim.RMSprop(netG.parameters(), lr=5e-5)


def sample_real(n):
    theta = torch.rand(n) * 6.283
    return torch.stack([theta.cos(), theta.sin()], dim=1) + 0.05 * torch.randn(n, 2)


for gen_iter in range(1000):
    for p in netD.parameters():
        p.requires_grad = True
    for _ in range(n_critic):
        for p in netD.parameters():
            p.data.clamp_(clamp_lower, clamp_upper)  # expect: PTL102
        netD.zero_grad()
        real = Variable(sample_real(64))  # expect: PTL101
        errD_real = netD(real).mean()
        noise = torch.randn(64, nz)
        with torch.no_grad():
            fake = netG(noise)
        errD_fake = netD(fake).mean()
        errD = errD_fake - errD_real
        errD.backward()
        optimizerD.step()

    for p in netD.parameters():
        p.requires_grad = False
    netG.zero_grad()
    noise = torch.randn(64, nz)
    errG = -netD(netG(noise)).mean()
    errG.backward()
    optimizerG.step()
    if gen_iter % 100 == 0:
        print(gen_iter, errD.data.item(), errG.item())  # expect: PTL102
