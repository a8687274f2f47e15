# Source: https://pytroubles.com/ru/posts/id2658-gan-v-pytorch-ispravljaem-oshibku-backward-cherez-detach
# Pattern: a GAN trained with n generator updates per discriminator step ("Trying to backward through the graph a
#   second time" although the discriminator loss is backwarded once): the discriminator step reuses the last fake
#   batch of the generator loop, whose graph the generator's `g_loss.backward()` already freed, without `.detach()`
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn

torch.manual_seed(0)
latent_dim, bsz = 16, 8
dev = "cpu"
g_update_factor, d_update_factor = 3, 1

netG = nn.Sequential(nn.Linear(latent_dim, 64), nn.ReLU(), nn.Linear(64, 784), nn.Tanh()).to(dev)
netD = nn.Sequential(nn.Linear(784, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1), nn.Sigmoid()).to(dev)
optG = torch.optim.Adam(netG.parameters(), lr=2e-4)
optD = torch.optim.Adam(netD.parameters(), lr=2e-4)
bce_loss = nn.BCELoss()
data_stream = [(torch.rand(bsz, 1, 28, 28) * 2 - 1, torch.zeros(bsz)) for _ in range(2)]

for epoch in range(2):
    for batch_id, (real_batch, _) in enumerate(data_stream):
        real_batch = real_batch.view(-1, 784).to(dev)
        bsz = real_batch.shape[0]
        # generator updates (n times)
        for _ in range(g_update_factor):
            z = torch.randn(bsz, latent_dim).to(dev)
            fake_batch = netG(z)
            gen_scores = netD(fake_batch).view(-1)
            g_loss = bce_loss(gen_scores, torch.ones_like(gen_scores))
            g_loss.backward()
            optG.step()
            netG.zero_grad()
        # discriminator updates (m times)
        for _ in range(d_update_factor):
            real_scores = netD(real_batch).view(-1)
            fake_scores = netD(fake_batch).view(-1)
            d_loss = bce_loss(real_scores, torch.ones_like(real_scores)) + bce_loss(
                fake_scores, torch.zeros_like(fake_scores)
            )
            netD.zero_grad()
            d_loss.backward()  # bug: PTL201
            optD.step()
        print(f"epoch {epoch} batch {batch_id}: g {g_loss.item():.3f} d {d_loss.item():.3f}")
