# Source: https://github.com/lisiyao21/Bailando/issues/15
# Pattern: the motion VQ-VAE computes its loss inside `forward` and is wrapped for several GPUs; the wrapper
#   gathers one loss per device into a vector (the report prints `tensor([0.2667, 0.2735, ...],
#   grad_fn=<GatherBackward>)`) and the agent calls `loss.backward()` on it. The gather is written out here as
#   `DataParallel` does it on 8 devices (split the batch, run each part, stack the per-part losses)
# error: grad can be implicitly created only for scalar outputs
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
            loss.backward()  # bug: PTL202
            self.optimizer.step()


agent = MoQAgent(GatheringParallel(SepVQVAE(), n_devices=8))
agent.train([torch.randn(32, 18) for _ in range(3)])
