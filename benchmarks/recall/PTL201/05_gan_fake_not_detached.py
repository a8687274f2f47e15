# Source: https://github.com/eriklindernoren/PyTorch-GAN/issues/6
# Pattern: WGAN loop; the critic loss uses the generated batch without detach, so its backward frees the
# generator's graph, and the generator step backpropagates through it again.
# error: Trying to backward through the graph a second time
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
    loss_c = -torch.mean(critic(real_imgs)) + torch.mean(critic(fake_imgs))
    loss_c.backward()
    opt_c.step()

    opt_g.zero_grad()
    loss_g = -torch.mean(critic(fake_imgs))
    loss_g.backward()  # bug: PTL201
    opt_g.step()
