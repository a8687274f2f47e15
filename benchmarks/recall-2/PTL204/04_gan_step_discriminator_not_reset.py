# Source: https://github.com/Adversarial-Deep-Learning/code-soup/issues/69
# Pattern: a GAN class's `step(real)` trains the discriminator on a real and a fake batch and steps
# `optimizerD`, then resets the generator and trains it; the discriminator is never reset, so its
# gradients pile up over the steps (including those the generator loss sends through it).
# error: gradients accumulated across steps
# symptom: the check at the end (the discriminator's .grad is not the last step's gradient)
import torch
from torch import nn

NZ, NX = 4, 6


class GAN:
    def __init__(self, lr=1e-5):
        self.generator = nn.Sequential(nn.Linear(NZ, 8), nn.ReLU(), nn.Linear(8, NX))
        self.discriminator = nn.Sequential(nn.Linear(NX, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1), nn.Sigmoid())
        self.criterion = nn.BCELoss()
        self.optimizerD = torch.optim.Adam(self.discriminator.parameters(), lr=lr)
        self.optimizerG = torch.optim.Adam(self.generator.parameters(), lr=lr)

    def step(self, real, noise):
        real_label = torch.ones(real.size(0))
        fake_label = torch.zeros(real.size(0))
        output = self.discriminator(real).view(-1)
        errD_real = self.criterion(output, real_label)
        errD_real.backward()
        fake = self.generator(noise)
        output = self.discriminator(fake.detach()).view(-1)
        errD_fake = self.criterion(output, fake_label)
        errD_fake.backward()
        errD = errD_real + errD_fake
        self.optimizerD.step()  # bug: PTL204

        self.generator.zero_grad()
        output = self.discriminator(fake).view(-1)
        errG = self.criterion(output, real_label)
        errG.backward()
        self.optimizerG.step()
        return errD.item(), errG.item()


torch.manual_seed(0)
gan = GAN()
batches = [(torch.randn(8, NX), torch.randn(8, NZ)) for _ in range(4)]
for real, noise in batches:
    gan.step(real, noise)

real, noise = batches[-1]
D, crit = gan.discriminator, gan.criterion
fake = gan.generator(noise)
last = crit(D(real).view(-1), torch.ones(8)) + crit(D(fake.detach()).view(-1), torch.zeros(8))
last = last + crit(D(fake).view(-1), torch.ones(8))
fresh = torch.autograd.grad(last, D[0].weight)[0]
if not torch.allclose(D[0].weight.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
