# Source: https://github.com/naver-ai/StyleMapGAN/issues/16
# Pattern: the change the reporter made: the two generator losses are summed and backwarded once, `(adv_loss *
# lambda_adv + w_rec_loss * lambda_w_rec).backward()`.
import torch
import torch.nn.functional as F
from torch import nn


class Generator(nn.Module):
    def __init__(self, latent_dim=8, img_dim=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent_dim, 64), nn.LeakyReLU(0.2), nn.Linear(64, img_dim), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class Encoder(nn.Module):
    def __init__(self, img_dim=32, latent_dim=8):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(img_dim, 64), nn.LeakyReLU(0.2), nn.Linear(64, latent_dim))

    def forward(self, img):
        return self.net(img)


class Model(nn.Module):
    def __init__(self, latent_dim=8):
        super().__init__()
        self.latent_dim = latent_dim
        self.generator = Generator(latent_dim)
        self.encoder = Encoder(latent_dim=latent_dim)
        self.discriminator = nn.Sequential(nn.Linear(32, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))

    def forward(self, real_img, mode):
        if mode == "G":
            stylecode = torch.randn(4, self.latent_dim)
            fake_img = self.generator(stylecode)
            adv_loss = F.softplus(-self.discriminator(fake_img)).mean()
            w_rec_loss = F.mse_loss(self.encoder(fake_img), stylecode)
            return adv_loss, w_rec_loss, stylecode
        real_pred = self.discriminator(real_img)
        fake_pred = self.discriminator(self.generator(torch.randn(real_img.size(0), self.latent_dim)).detach())
        return F.softplus(-real_pred).mean() + F.softplus(fake_pred).mean()


def train(args, model, g_optim, d_optim, iters=3):
    for _ in range(iters):
        real_img = torch.randn(4, 32)
        d_loss = model(real_img, "D")
        d_optim.zero_grad()
        d_loss.backward()
        d_optim.step()

        adv_loss, w_rec_loss, stylecode = model(None, "G")
        g_w_rec_loss = adv_loss * args["lambda_adv_loss"] + w_rec_loss * args["lambda_w_rec_loss"]
        g_optim.zero_grad()
        g_w_rec_loss.backward()
        g_optim.step()


model = Model()
g_optim = torch.optim.Adam(list(model.generator.parameters()) + list(model.encoder.parameters()), lr=2e-3)
d_optim = torch.optim.Adam(model.discriminator.parameters(), lr=2e-3)
train({"lambda_adv_loss": 1.0, "lambda_w_rec_loss": 1.0}, model, g_optim, d_optim)
