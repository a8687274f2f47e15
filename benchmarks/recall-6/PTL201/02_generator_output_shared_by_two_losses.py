# Source: https://github.com/pytorch/xla/issues/1961
# Pattern: "Unable to backward two losses": a GAN step computes `gen = generator(noise)` once, backwards the
#   discriminator's loss on `gen` (not detached), then backwards the generator's loss on the same `gen`; the
#   maintainer: "The only common tensor for the two graphs is 'gen'. After the first backward call the
#   computation graph gets freed"
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn

latent_dim, data_dim, batch_size = 8, 12, 16


def build_generator():
    return nn.Sequential(nn.Linear(latent_dim, 32), nn.ReLU(), nn.Linear(32, data_dim), nn.Tanh())


def build_discriminator():
    return nn.Sequential(nn.Linear(data_dim, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))


generator, discriminator = build_generator(), build_discriminator()
opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()


def train_step(real):
    ones, zeros = torch.ones(real.size(0), 1), torch.zeros(real.size(0), 1)
    noise = torch.randn(real.size(0), latent_dim)
    gen = generator(noise)

    opt_d.zero_grad()
    loss_d = bce(discriminator(real), ones) + bce(discriminator(gen), zeros)
    loss_d.backward()
    opt_d.step()

    opt_g.zero_grad()
    loss_g = bce(discriminator(gen), ones)
    loss_g.backward()  # bug: PTL201
    opt_g.step()
    return loss_d.item(), loss_g.item()


for epoch in range(2):
    print(train_step(torch.randn(batch_size, data_dim)))
