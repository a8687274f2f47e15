# Source: https://github.com/eriklindernoren/PyTorch-GAN/issues/6
# Fix: the critic sees `fake_imgs.detach()`, so the generator's graph is still there for its own step.
import torch
from torch import nn

latent_dim = 10
generator = nn.Sequential(nn.Linear(latent_dim, 32), nn.ReLU(), nn.Linear(32, 20))
critic = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 1))
opt_g = torch.optim.RMSprop(generator.parameters(), lr=5e-5)
opt_c = torch.optim.RMSprop(critic.parameters(), lr=5e-5)

for _i in range(3):
    real_imgs = torch.randn(16, 20)
    z = torch.randn(16, latent_dim)
    fake_imgs = generator(z)

    opt_c.zero_grad()
    loss_c = -torch.mean(critic(real_imgs)) + torch.mean(critic(fake_imgs.detach()))
    loss_c.backward()
    opt_c.step()

    opt_g.zero_grad()
    loss_g = -torch.mean(critic(fake_imgs))
    loss_g.backward()
    opt_g.step()
