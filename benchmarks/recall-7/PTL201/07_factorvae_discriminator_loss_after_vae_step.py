# Source: https://github.com/1Konny/FactorVAE/issues/15
# Pattern: FactorVAE's step backwards the VAE loss with `retain_graph=True`, steps the VAE's optimizer, then builds
#   the discriminator's total-correlation loss from the same `D_z` (the discriminator's score of the VAE's `z`) and
#   backwards it: "one of the variables needed for gradient computation has been modified by an inplace operation"
#   (the VAE step changed the encoder weights that graph saved); detaching `D_z` there, or stepping after, works
# error: modified by an inplace operation
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class FactorVAE(nn.Module):
    def __init__(self, z_dim=4):
        super().__init__()
        self.encode = nn.Sequential(
            nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2 * z_dim)
        )
        self.decode = nn.Sequential(nn.Linear(z_dim, 32), nn.ReLU(), nn.Linear(32, 64))
        self.z_dim = z_dim

    def reparametrize(self, mu, logvar):
        return mu + torch.randn_like(mu) * (0.5 * logvar).exp()

    def forward(self, x, no_dec=False):
        stats = self.encode(x)
        mu, logvar = stats[:, : self.z_dim], stats[:, self.z_dim :]
        z = self.reparametrize(mu, logvar)
        if no_dec:
            return z
        return self.decode(z), mu, logvar, z


class Discriminator(nn.Module):
    def __init__(self, z_dim=4):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(z_dim, 32), nn.LeakyReLU(0.2), nn.Linear(32, 2))

    def forward(self, z):
        return self.net(z)


def permute_dims(z):
    return torch.stack([z[torch.randperm(z.size(0)), j] for j in range(z.size(1))], dim=1)


class Solver:
    def __init__(self, gamma=6.4):
        self.VAE, self.D = FactorVAE(), Discriminator()
        self.optim_VAE = torch.optim.Adam(self.VAE.parameters(), lr=1e-3)
        self.optim_D = torch.optim.Adam(self.D.parameters(), lr=1e-3)
        self.gamma = gamma

    def train_step(self, x_true1, x_true2):
        ones = torch.ones(x_true1.size(0), dtype=torch.long)
        zeros = torch.zeros(x_true1.size(0), dtype=torch.long)

        x_recon, mu, logvar, z = self.VAE(x_true1)
        vae_recon_loss = F.mse_loss(x_recon, x_true1, reduction="sum") / x_true1.size(0)
        vae_kld = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1).mean()
        D_z = self.D(z)
        vae_tc_loss = (D_z[:, :1] - D_z[:, 1:]).mean()
        vae_loss = vae_recon_loss + vae_kld + self.gamma * vae_tc_loss

        self.optim_VAE.zero_grad()
        vae_loss.backward(retain_graph=True)
        self.optim_VAE.step()

        z_prime = self.VAE(x_true2, no_dec=True)
        z_pperm = permute_dims(z_prime).detach()
        D_z_pperm = self.D(z_pperm)
        D_tc_loss = 0.5 * (F.cross_entropy(D_z, zeros) + F.cross_entropy(D_z_pperm, ones))

        self.optim_D.zero_grad()
        D_tc_loss.backward()  # bug: PTL201
        self.optim_D.step()
        return vae_loss.item(), D_tc_loss.item()


solver = Solver()
for it in range(3):
    print(it, solver.train_step(torch.randn(16, 64), torch.randn(16, 64)))
