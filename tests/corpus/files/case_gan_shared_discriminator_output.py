# A GAN step that computes D(fake) once and uses it for both losses, backwarding the generator
# loss first; the discriminator loss then runs through the freed graph.
import torch
from torch import nn

G = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 8))
D = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1))
opt_g = torch.optim.Adam(G.parameters(), 1e-4)
opt_d = torch.optim.Adam(D.parameters(), 1e-4)
bce = nn.BCEWithLogitsLoss()


def step(real):
    z = torch.randn(real.size(0), 16)
    fake = G(z)
    pred_fake = D(fake)
    pred_real = D(real)
    ones, zeros = torch.ones_like(pred_real), torch.zeros_like(pred_fake)

    g_loss = bce(pred_fake, ones)
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()

    d_loss = bce(pred_real, ones) + bce(pred_fake, zeros)
    opt_d.zero_grad()
    d_loss.backward()  # expect: PTL201
    opt_d.step()
    return g_loss.item(), d_loss.item()


for i in range(100):
    step(torch.randn(32, 8))
