# Source: https://github.com/pytorch/examples/issues/584
# Pattern: the DCGAN question "why run netD twice on the same fake batch?": reusing the output of the
#   discriminator step (computed on `fake`, not detached) for `errG` backwards a second time through the
#   graph that `errD_fake.backward()` freed
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn

nz = 8
netG = nn.Sequential(nn.Linear(nz, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh())
netD = nn.Sequential(nn.Linear(16, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1), nn.Sigmoid())
criterion = nn.BCELoss()
optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
real_label, fake_label = 1.0, 0.0

dataloader = [torch.randn(6, 16) for _ in range(3)]
for real_cpu in dataloader:
    batch_size = real_cpu.size(0)
    # (1) update D: maximize log(D(x)) + log(1 - D(G(z)))
    netD.zero_grad()
    label = torch.full((batch_size, 1), real_label)
    errD_real = criterion(netD(real_cpu), label)
    errD_real.backward()
    fake = netG(torch.randn(batch_size, nz))
    label.fill_(fake_label)
    output = netD(fake)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    optimizerD.step()
    # (2) update G: maximize log(D(G(z))), reusing D's output on the fake batch
    netG.zero_grad()
    label.fill_(real_label)
    errG = criterion(output, label)
    errG.backward()  # bug: PTL201
    optimizerG.step()
