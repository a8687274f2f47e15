# Source: https://github.com/lisiyao21/Bailando/issues/15
# Pattern: the fix from the thread: average the gathered per-device losses before the backward
import torch
import torch.nn as nn
import torch.nn.functional as F


class SepVQVAE(nn.Module):
    def __init__(self, dim=18, hidden=32, codes=16):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, 8))
        self.codebook = nn.Embedding(codes, 8)
        self.decoder = nn.Sequential(nn.Linear(8, hidden), nn.ReLU(), nn.Linear(hidden, dim))

    def forward(self, x):
        z = self.encoder(x)
        idx = torch.cdist(z, self.codebook.weight).argmin(dim=-1)
        zq = z + (self.codebook(idx) - z).detach()
        commit = F.mse_loss(z, self.codebook(idx).detach())
        return self.decoder(zq), F.mse_loss(self.decoder(zq), x) + 0.02 * commit


class GatheringParallel(nn.Module):
    """What nn.DataParallel does with n devices: scatter the batch, run the replicas, gather the outputs."""

    def __init__(self, module, n_devices):
        super().__init__()
        self.module, self.n_devices = module, n_devices

    def forward(self, x):
        outputs = [self.module(part) for part in x.chunk(self.n_devices)]
        recon = torch.cat([out for out, _ in outputs])
        loss = torch.stack([loss for _, loss in outputs])
        return recon, loss


class MoQAgent:
    def __init__(self, model, lr=3e-4):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def train(self, loader):
        self.model.train()
        for batch in loader:
            self.optimizer.zero_grad()
            _, loss = self.model(batch)
            loss.mean().backward()
            self.optimizer.step()


agent = MoQAgent(GatheringParallel(SepVQVAE(), n_devices=8))
agent.train([torch.randn(32, 18) for _ in range(3)])
