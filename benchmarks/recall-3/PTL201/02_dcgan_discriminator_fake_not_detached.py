# Source: https://github.com/pytorch/examples/issues/116
# Pattern: a DCGAN written after the example, without `.detach()`: the discriminator step scores
# `fake = netG(noise)` and backwards `errD_fake`, which frees the generator's part of the graph; the
# generator step then scores the same `fake` again and `errG.backward()` runs into the freed part.
# error: Trying to backward through the graph a second time
import torch
from torch import nn

nz, ngf, ndf = 16, 32, 32


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(nz, ngf), nn.ReLU(True), nn.Linear(ngf, 64), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(64, ndf), nn.LeakyReLU(0.2, True), nn.Linear(ndf, 1), nn.Sigmoid())

    def forward(self, x):
        return self.main(x).view(-1)


netG, netD = Generator(), Discriminator()
criterion = nn.BCELoss()
optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
dataloader = [torch.rand(8, 64) * 2 - 1 for _ in range(3)]
real_label, fake_label = 1.0, 0.0

for epoch in range(2):
    for i, data in enumerate(dataloader):
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        batch_size = data.size(0)
        label = torch.full((batch_size,), real_label)
        errD_real = criterion(netD(data), label)
        errD_real.backward()
        noise = torch.randn(batch_size, nz)
        fake = netG(noise)
        label.fill_(fake_label)
        errD_fake = criterion(netD(fake), label)
        errD_fake.backward()
        optimizerD.step()

        # (2) Update G network: maximize log(D(G(z)))
        netG.zero_grad()
        label.fill_(real_label)
        errG = criterion(netD(fake), label)
        errG.backward()  # bug: PTL201
        optimizerG.step()
        print(epoch, i, (errD_real + errD_fake).item(), errG.item())
