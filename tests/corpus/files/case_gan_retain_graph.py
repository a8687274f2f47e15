# A GAN from a forum answer that "fixed" the error with retain_graph=True on the discriminator
# loss. It runs (at the cost of memory); nothing to report. The generator losses are summed.
import torch
import torch.nn as nn

G = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
D = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1))
bce = nn.BCEWithLogitsLoss()
opt_g = torch.optim.Adam(G.parameters(), lr=1e-3)
opt_d = torch.optim.Adam(D.parameters(), lr=1e-3)

for it in range(500):
    real = torch.randn(64, 2) * 0.5 + 2.0
    fake = G(torch.randn(64, 8))

    opt_d.zero_grad()
    d_loss = bce(D(real), torch.ones(64, 1)) + bce(D(fake), torch.zeros(64, 1))
    d_loss.backward(retain_graph=True)
    opt_d.step()

    opt_g.zero_grad()
    adv = bce(D(fake), torch.ones(64, 1))
    moment = (fake.mean(0) - real.mean(0)).pow(2).sum()
    g_loss = adv + 0.1 * moment
    g_loss.backward()
    opt_g.step()
