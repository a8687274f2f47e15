# Source: https://github.com/rosinality/swapping-autoencoder-pytorch/issues/12
# Pattern: the reporter asks why the training loop runs the encoder and generator twice, once before the
#   discriminator update and once before the generator update; the maintainer: reusing the first graph needs
#   `retain_graph=True`. Written without the second pass (and without it), the discriminator's backward frees the
#   encoder/generator graph that the generator's loss then backwards through
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn
import torch.nn.functional as F


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(24, 32), nn.ReLU())
        self.structure, self.texture = nn.Linear(32, 8), nn.Linear(32, 4)

    def forward(self, img):
        h = self.net(img)
        return self.structure(h), self.texture(h)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 24), nn.Tanh())

    def forward(self, structure, texture):
        return self.net(torch.cat([structure, texture], dim=1))


encoder, generator = Encoder(), Generator()
discriminator = nn.Sequential(nn.Linear(24, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
g_optim = torch.optim.Adam(list(encoder.parameters()) + list(generator.parameters()), lr=2e-3)
d_optim = torch.optim.Adam(discriminator.parameters(), lr=2e-3)


def train(iterations=2):
    for i in range(iterations):
        real_img1, real_img2 = torch.randn(8, 24), torch.randn(8, 24)
        structure1, texture1 = encoder(real_img1)
        _, texture2 = encoder(real_img2)
        fake_img1 = generator(structure1, texture1)
        fake_img2 = generator(structure1, texture2)

        fake_pred = discriminator(torch.cat((fake_img1, fake_img2), 0))
        real_pred = discriminator(real_img1)
        d_loss = F.softplus(fake_pred).mean() + F.softplus(-real_pred).mean()
        d_optim.zero_grad()
        d_loss.backward()
        d_optim.step()

        recon_loss = F.l1_loss(fake_img1, real_img1)
        g_loss = F.softplus(-discriminator(fake_img2)).mean()
        g_optim.zero_grad()
        (recon_loss + g_loss).backward()  # bug: PTL201
        g_optim.step()


train()
