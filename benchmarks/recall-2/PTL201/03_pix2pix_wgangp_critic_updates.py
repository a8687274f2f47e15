# Source: https://github.com/junyanz/pytorch-CycleGAN-and-pix2pix/issues/439
# Pattern: a pix2pix model adds a WGAN-GP gradient penalty to `backward_D`; the penalty's interpolates
# use the generator output without `.detach()`, and `optimize_parameters` updates D several times per
# generator forward, so the second critic step backwards through the generator's freed graph.
# error: Trying to backward through the graph a second time
import torch
from torch import nn


def cal_gradient_penalty(netD, real_data, fake_data, device, lambda_gp=10.0):
    alpha = torch.rand(real_data.shape[0], 1, device=device)
    alpha = alpha.expand(real_data.shape[0], real_data.nelement() // real_data.shape[0]).contiguous()
    alpha = alpha.view(*real_data.shape)
    interpolatesv = alpha * real_data + ((1 - alpha) * fake_data)
    interpolatesv.requires_grad_(True)
    disc_interpolates = netD(interpolatesv)
    gradients = torch.autograd.grad(
        outputs=disc_interpolates,
        inputs=interpolatesv,
        grad_outputs=torch.ones(disc_interpolates.size(), device=device),
        create_graph=True,
        retain_graph=True,
        only_inputs=True,
    )
    gradients = gradients[0].view(real_data.size(0), -1)
    gradient_penalty = (((gradients + 1e-16).norm(2, dim=1) - 1) ** 2).mean() * lambda_gp
    return gradient_penalty, gradients


class Pix2PixModel:
    def __init__(self, n_critic=3):
        self.device = torch.device("cpu")
        self.netG = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 1, 3, padding=1))
        self.netD = nn.Sequential(nn.Conv2d(2, 4, 3, stride=2), nn.LeakyReLU(0.2), nn.Flatten(), nn.LazyLinear(1))
        self.netD(torch.zeros(1, 2, 8, 8))
        self.optimizer_G = torch.optim.Adam(self.netG.parameters(), lr=2e-4)
        self.optimizer_D = torch.optim.Adam(self.netD.parameters(), lr=2e-4)
        self.n_critic = n_critic

    def set_input(self, real_A, real_B):
        self.real_A, self.real_B = real_A, real_B

    def forward(self):
        self.fake_B = self.netG(self.real_A)

    def backward_D(self):
        fake_AB = torch.cat((self.real_A, self.fake_B), 1)
        pred_fake = self.netD(fake_AB.detach())
        self.loss_D_fake = pred_fake.mean()
        real_AB = torch.cat((self.real_A, self.real_B), 1)
        pred_real = self.netD(real_AB)
        self.loss_D_real = -pred_real.mean()
        self.gradient_penalty, self.gradients = cal_gradient_penalty(self.netD, real_AB, fake_AB, self.device)
        self.loss_D = self.loss_D_fake + self.loss_D_real + self.gradient_penalty
        self.loss_D.backward()  # bug: PTL201

    def backward_G(self):
        fake_AB = torch.cat((self.real_A, self.fake_B), 1)
        self.loss_G = -self.netD(fake_AB).mean() + (self.fake_B - self.real_B).abs().mean()
        self.loss_G.backward()

    def optimize_parameters(self):
        self.forward()
        for _ in range(self.n_critic):
            self.optimizer_D.zero_grad()
            self.backward_D()
            self.optimizer_D.step()
        self.optimizer_G.zero_grad()
        self.backward_G()
        self.optimizer_G.step()


model = Pix2PixModel()
for _ in range(2):
    model.set_input(torch.randn(2, 1, 8, 8), torch.randn(2, 1, 8, 8))
    model.optimize_parameters()
