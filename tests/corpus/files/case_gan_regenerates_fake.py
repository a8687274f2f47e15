# GAN loop that samples the generator separately for the discriminator step (under no_grad)
# and for the generator step; two separate models' losses, each backwarded once. Correct.
import torch
import torch.nn as nn

G = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2))
D = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
opt_g, opt_d = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())
criterion = nn.BCELoss()

for it in range(300):
    real = torch.randn(64, 2) + 3
    with torch.no_grad():
        fake = G(torch.randn(64, 10))
    d_loss = criterion(D(real), torch.ones(64, 1)) + criterion(D(fake), torch.zeros(64, 1))
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()

    fake = G(torch.randn(64, 10))
    g_loss = criterion(D(fake), torch.ones(64, 1))
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()

samples = G(torch.randn(500, 10)).detach()
print(samples.mean(0).numpy(), samples.std(0).numpy())
