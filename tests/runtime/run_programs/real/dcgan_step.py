import torch
from torch import nn

latent = 16
G = nn.Sequential(nn.Linear(latent, 32), nn.ReLU(), nn.Linear(32, 64), nn.Tanh())
D = nn.Sequential(nn.Linear(64, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
opt_g = torch.optim.Adam(G.parameters(), lr=2e-4)
opt_d = torch.optim.Adam(D.parameters(), lr=2e-4)
bce = nn.BCEWithLogitsLoss()
real = torch.randn(8, 64)

fake = G(torch.randn(8, latent))
d_loss = bce(D(real), torch.ones(8, 1)) + bce(D(fake), torch.zeros(8, 1))
opt_d.zero_grad()
d_loss.backward()
opt_d.step()

g_loss = bce(D(fake), torch.ones(8, 1))
opt_g.zero_grad()
g_loss.backward()  # expect: PTL201
opt_g.step()
