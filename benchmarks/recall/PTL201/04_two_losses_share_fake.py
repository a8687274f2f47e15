# Source: https://github.com/facebookresearch/pytorch_GAN_zoo/issues/83
# Pattern: the generator's adversarial loss is backpropagated, then an extra diversity loss built on the
# same discriminator features of the same fake batch is backpropagated separately.
# error: Trying to backward through the graph a second time
import torch
from torch import nn


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(16, 32), nn.LeakyReLU(0.2))
        self.head = nn.Linear(32, 1)

    def forward(self, x):
        feats = self.features(x)
        return self.head(feats), feats


def diversity_loss(fake_feats, real_feats):
    return (fake_feats.var(0) - real_feats.var(0)).abs().mean()


netG = nn.Sequential(nn.Linear(8, 16), nn.Tanh())
netD = Discriminator()
optG = torch.optim.Adam(netG.parameters(), lr=2e-4)
real = torch.randn(4, 16)

for _it in range(2):
    optG.zero_grad()
    fake = netG(torch.randn(4, 8))
    pred_fake, fake_feats = netD(fake)
    _, real_feats = netD(real)
    loss_g_fake = nn.functional.softplus(-pred_fake).mean()
    loss_g_fake.backward()
    loss_div = diversity_loss(fake_feats, real_feats.detach())
    loss_div.backward()  # bug: PTL201
    optG.step()
