# Source: https://github.com/KupynOrest/DeblurGAN/pull/91
# Pattern: "Fix Backward twice ERROR": the conditional GAN's WGAN-GP discriminator loss takes the generator's
#   `fake_B` into the gradient penalty without detaching it, so `loss_D.backward()` also frees the generator's graph
#   and the generator step's `loss_G.backward()` (adversarial + content loss on the same `fake_B`) runs into it
#   (the PR passed `retain_graph=True` to the discriminator's backward)
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class DiscLossWGANGP:
    def __init__(self, lambda_gp=10.0):
        self.lambda_gp = lambda_gp

    def get_g_loss(self, net, fake_B):
        return -net(fake_B).mean()

    def calc_gradient_penalty(self, netD, real_data, fake_data):
        alpha = torch.rand(real_data.size(0), 1, 1, 1).expand_as(real_data)
        interpolates = (alpha * real_data + (1 - alpha) * fake_data).requires_grad_(True)
        disc_interpolates = netD(interpolates)
        gradients = torch.autograd.grad(
            outputs=disc_interpolates,
            inputs=interpolates,
            grad_outputs=torch.ones_like(disc_interpolates),
            create_graph=True,
            retain_graph=True,
        )[0]
        return ((gradients.view(gradients.size(0), -1).norm(2, dim=1) - 1) ** 2).mean() * self.lambda_gp

    def get_loss(self, netD, real_B, fake_B):
        loss_fake = netD(fake_B.detach()).mean()
        loss_real = netD(real_B).mean()
        return loss_fake - loss_real + self.calc_gradient_penalty(netD, real_B, fake_B)


class ConditionalGAN:
    def __init__(self):
        self.netG = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 3, 3, padding=1), nn.Tanh())
        self.netD = nn.Sequential(
            nn.Conv2d(3, 8, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(8, 1, 4, 2, 1), nn.Flatten(), nn.Linear(16, 1)
        )
        self.discLoss = DiscLossWGANGP()
        self.optimizer_G = torch.optim.Adam(self.netG.parameters(), lr=1e-4, betas=(0.5, 0.999))
        self.optimizer_D = torch.optim.Adam(self.netD.parameters(), lr=1e-4, betas=(0.5, 0.999))

    def set_input(self, blurred, sharp):
        self.real_A, self.real_B = blurred, sharp

    def forward(self):
        self.fake_B = self.netG(self.real_A)

    def backward_D(self):
        self.loss_D = self.discLoss.get_loss(self.netD, self.real_B, self.fake_B)
        self.loss_D.backward()

    def backward_G(self):
        self.loss_G_GAN = self.discLoss.get_g_loss(self.netD, self.fake_B)
        self.loss_G_Content = F.mse_loss(self.fake_B, self.real_B) * 100
        self.loss_G = self.loss_G_GAN + self.loss_G_Content
        self.loss_G.backward()  # bug: PTL201

    def optimize_parameters(self):
        self.forward()
        self.optimizer_D.zero_grad()
        self.backward_D()
        self.optimizer_D.step()
        self.optimizer_G.zero_grad()
        self.backward_G()
        self.optimizer_G.step()


model = ConditionalGAN()
for i in range(3):
    sharp = torch.rand(2, 3, 16, 16) * 2 - 1
    blurred = F.avg_pool2d(sharp, 3, stride=1, padding=1)
    model.set_input(blurred, sharp)
    model.optimize_parameters()
    print(f"iter {i}: D {model.loss_D.item():.3f} G {model.loss_G.item():.3f}")
