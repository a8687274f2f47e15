# Source: https://github.com/schelotto/Wasserstein-AutoEncoders/issues/2
# Pattern: a Wasserstein auto-encoder (MMD variant): the reconstruction loss is backwarded first, then
#   `mmd_loss.mean().backward()` on the same encoder output `z_tilde`; the first backward freed the encoder's
#   graph, so the report's `mmd_loss.mean().backward(retain_graph=True)` raises
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn
import torch.nn.functional as F


class Encoder(nn.Module):
    def __init__(self, dim_h=32, n_z=4):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(28, dim_h), nn.ReLU(), nn.Linear(dim_h, n_z))

    def forward(self, x):
        return self.main(x)


class Decoder(nn.Module):
    def __init__(self, dim_h=32, n_z=4):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(n_z, dim_h), nn.ReLU(), nn.Linear(dim_h, 28), nn.Sigmoid())

    def forward(self, z):
        return self.main(z)


def imq_kernel(x, y, h_dim):
    c = 2.0 * h_dim
    dists = torch.cdist(x, y).pow(2)
    return c / (c + dists)


def mmd_penalty(z_tilde, z):
    n = z.size(0)
    k_zz = imq_kernel(z, z, z.size(1))
    k_tt = imq_kernel(z_tilde, z_tilde, z.size(1))
    k_zt = imq_kernel(z, z_tilde, z.size(1))
    off = 1.0 - torch.eye(n)
    return ((k_zz + k_tt) * off).sum() / (n * (n - 1)) - 2 * k_zt.mean()


encoder, decoder = Encoder(), Decoder()
enc_optim = torch.optim.Adam(encoder.parameters(), lr=1e-3)
dec_optim = torch.optim.Adam(decoder.parameters(), lr=1e-3)
lambda_mmd = 10.0

for step in range(2):
    images = torch.rand(16, 28)
    enc_optim.zero_grad()
    dec_optim.zero_grad()
    z_tilde = encoder(images)
    x_recon = decoder(z_tilde)
    recon_loss = F.binary_cross_entropy(x_recon, images)
    recon_loss.backward()
    z = torch.randn_like(z_tilde)
    mmd_loss = lambda_mmd * mmd_penalty(z_tilde, z)
    mmd_loss.mean().backward(retain_graph=True)  # bug: PTL201
    enc_optim.step()
    dec_optim.step()
