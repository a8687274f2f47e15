# Source: https://github.com/KupynOrest/DeblurGAN/issues/56
# Pattern: a conditional GAN with a WGAN-GP critic runs several critic iterations per generator step;
#   `backward_D` uses `self.fake_B` from one `forward()` without detaching it, so the second critic iteration
#   backwards into the generator's graph that the first one freed
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn


class ConditionalGAN:
    def __init__(self, critic_iters=5):
        self.netG = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 8), nn.Tanh())
        self.netD = nn.Sequential(nn.Linear(8, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
        self.optimizer_G = torch.optim.Adam(self.netG.parameters(), lr=1e-4)
        self.optimizer_D = torch.optim.Adam(self.netD.parameters(), lr=1e-4)
        self.critic_iters = critic_iters

    def set_input(self, blurred, sharp):
        self.real_A, self.real_B = blurred, sharp

    def forward(self):
        self.fake_B = self.netG(self.real_A)

    def backward_D(self):
        pred_fake = self.netD(self.fake_B)
        pred_real = self.netD(self.real_B)
        self.loss_D = pred_fake.mean() - pred_real.mean()
        self.loss_D.backward()  # bug: PTL201

    def backward_G(self):
        self.loss_G = -self.netD(self.fake_B).mean() + (self.fake_B - self.real_B).abs().mean()
        self.loss_G.backward()

    def optimize_parameters(self):
        self.forward()
        for _ in range(self.critic_iters):
            self.optimizer_D.zero_grad()
            self.backward_D()
            self.optimizer_D.step()
        self.optimizer_G.zero_grad()
        self.backward_G()
        self.optimizer_G.step()


model = ConditionalGAN()
for _ in range(2):
    model.set_input(torch.randn(4, 8), torch.randn(4, 8))
    model.optimize_parameters()
