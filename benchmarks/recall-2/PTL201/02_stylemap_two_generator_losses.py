# Source: https://github.com/naver-ai/StyleMapGAN/issues/16
# Pattern: the model's generator step returns an adversarial loss and a stylecode reconstruction loss
# (the encoder re-encodes the generated image); the training loop backwards the adversarial loss, then
# the reconstruction loss, which shares the generator's graph that the first backward freed.
# error: Trying to backward through the graph a second time
import torch
import torch.nn.functional as F
from torch import nn

LATENT, STYLE, PIXELS = 8, 6, 12


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.mapping = nn.Linear(LATENT, STYLE)
        self.synthesis = nn.Linear(STYLE, PIXELS)
        self.encoder = nn.Linear(PIXELS, STYLE)
        self.discriminator = nn.Sequential(nn.Linear(PIXELS, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))

    def forward(self, real_img, mode):
        if mode == "G":
            z = torch.randn(4, LATENT)
            stylecode = self.mapping(z)
            fake_img = torch.tanh(self.synthesis(stylecode))
            fake_pred = self.discriminator(fake_img)
            adv_loss = F.softplus(-fake_pred).mean()
            fake_stylecode = self.encoder(fake_img)
            w_rec_loss = F.mse_loss(stylecode, fake_stylecode)
            return adv_loss, w_rec_loss, stylecode
        raise ValueError(mode)


model = Model()
g_optim = torch.optim.Adam(list(model.mapping.parameters()) + list(model.synthesis.parameters()), lr=2e-3)
e_optim = torch.optim.Adam(model.encoder.parameters(), lr=2e-3)
lambda_adv_loss, lambda_w_rec_loss = 1.0, 1.0

for _i in range(2):
    adv_loss, w_rec_loss, stylecode = model(None, "G")
    adv_loss = adv_loss.mean()
    w_rec_loss = w_rec_loss.mean()
    g_loss = adv_loss * lambda_adv_loss

    g_optim.zero_grad()
    e_optim.zero_grad()
    g_loss.backward()
    (w_rec_loss * lambda_w_rec_loss).backward()  # bug: PTL201
    g_optim.step()
    e_optim.step()
