# Source: https://github.com/Zhaoyi-Yan/Shift-Net_pytorch/issues/34
# Pattern: the relativistic-average GAN loss ("re_avg_gan") of an inpainting model: `backward_D`
# stores the discriminator's prediction on the real images in `self.pred_real` and backwards the D
# loss; `backward_G` builds the generator loss from that stored `self.pred_real`, so its backward
# goes through the discriminator graph of the real images, freed by the D step.
# error: Trying to backward through the graph a second time
import torch
from torch import nn


class ShiftNetModel:
    def __init__(self):
        self.netG = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 3, 3, padding=1), nn.Tanh())
        self.netD = nn.Sequential(nn.Conv2d(3, 8, 4, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Conv2d(8, 1, 4))
        self.criterionGAN = nn.BCEWithLogitsLoss()
        self.optimizer_G = torch.optim.Adam(self.netG.parameters(), lr=2e-4)
        self.optimizer_D = torch.optim.Adam(self.netD.parameters(), lr=2e-4)

    def set_input(self, real_B, mask):
        self.real_B = real_B
        self.real_A = real_B * (1 - mask)

    def forward(self):
        self.fake_B = self.netG(self.real_A)

    def set_requires_grad(self, net, flag):
        for p in net.parameters():
            p.requires_grad = flag

    def backward_D(self):
        self.pred_fake = self.netD(self.fake_B.detach())
        self.pred_real = self.netD(self.real_B)
        ones, zeros = torch.ones_like(self.pred_real), torch.zeros_like(self.pred_real)
        self.loss_D = (
            self.criterionGAN(self.pred_real - self.pred_fake.mean(), ones)
            + self.criterionGAN(self.pred_fake - self.pred_real.mean(), zeros)
        ) / 2
        self.loss_D.backward()

    def backward_G(self):
        pred_fake = self.netD(self.fake_B)
        ones, zeros = torch.ones_like(pred_fake), torch.zeros_like(pred_fake)
        self.loss_G_GAN = (
            self.criterionGAN(self.pred_real - pred_fake.mean(), zeros)
            + self.criterionGAN(pred_fake - self.pred_real.mean(), ones)
        ) / 2
        self.loss_G_L1 = (self.fake_B - self.real_B).abs().mean() * 100
        self.loss_G = self.loss_G_GAN + self.loss_G_L1
        self.loss_G.backward()  # bug: PTL201

    def optimize_parameters(self):
        self.forward()
        self.set_requires_grad(self.netD, True)
        self.optimizer_D.zero_grad()
        self.backward_D()
        self.optimizer_D.step()
        self.set_requires_grad(self.netD, False)
        self.optimizer_G.zero_grad()
        self.backward_G()
        self.optimizer_G.step()


model = ShiftNetModel()
for _ in range(2):
    mask = torch.zeros(2, 1, 16, 16)
    mask[:, :, 4:12, 4:12] = 1
    model.set_input(torch.rand(2, 3, 16, 16) * 2 - 1, mask)
    model.optimize_parameters()
print(model.loss_G.item())
