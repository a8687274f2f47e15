# Source: https://github.com/Lightning-AI/pytorch-lightning/issues/6554
# Pattern: fix: the layers are built once in `__init__` and the methods call them
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(0)
h_dim, z_dim = 10, 2


class Model(nn.Module):
    def __init__(self, data):
        super().__init__()
        self.data = data
        self.enc, self.enc_mean, self.enc_log_sigma = nn.Linear(8, 32), nn.Linear(32, h_dim), nn.Linear(32, h_dim)
        self.dec = nn.Linear(h_dim, 8)

    def sampling(self, z_mean, z_log_sigma):
        std = z_log_sigma.mul(0.5).exp()
        return z_mean + std * torch.randn_like(std)

    def encoder(self, inp):
        z = self.enc(inp)
        z_mean = self.enc_mean(z)
        z_log_sigma = self.enc_log_sigma(z)
        return z_mean, z_log_sigma

    def decoder(self, inp):
        return self.dec(inp)

    def forward(self, x):
        z_mean, z_log_sigma = self.encoder(x)
        z = self.sampling(z_mean, z_log_sigma)
        return self.decoder(z), z_mean, z_log_sigma

    def configure_optimizers(self):
        return optim.Adam(self.parameters(), lr=1e-3)


data = torch.rand(20, 2, 8)
model = Model(data)
optimizer = model.configure_optimizers()
for epoch in range(2):
    x = data.view(-1, 8)
    x_hat, mu, log_sigma = model(x)
    loss = F.mse_loss(x_hat, x) - 0.5 * (1 + log_sigma - mu.pow(2) - log_sigma.exp()).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
