# Source: https://whosebug.com/question/5232549/How-does-PyTorch-s-loss-backward-work-when-retain-graph-True-is-specified
# Pattern: a GAN that updates the generator first, then the discriminator, with both losses computed from one
#   forward pass (the discriminator's score of the undetached fake images is shared): after `loss_g.backward()`,
#   `loss_d.backward()` raises "Trying to backward through the graph a second time" (the asker then passed
#   `retain_graph=True`, which hides the error)
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn

torch.manual_seed(0)


class Generator(nn.Module):
    def __init__(self, z_dim=8, out_dim=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(z_dim, 64), nn.ReLU(), nn.Linear(64, out_dim))

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self, in_dim=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x)


gen, disc = Generator(), Discriminator()
optim_g = torch.optim.Adam(gen.parameters(), lr=1e-3)
optim_d = torch.optim.Adam(disc.parameters(), lr=1e-3)
criterion = nn.BCEWithLogitsLoss()


def compute_losses(real):
    fake = gen(torch.randn(real.size(0), 8))
    pred_fake = disc(fake)
    pred_real = disc(real)
    loss_g = criterion(pred_fake, torch.ones_like(pred_fake))
    loss_d = criterion(pred_real, torch.ones_like(pred_real)) + criterion(pred_fake, torch.zeros_like(pred_fake))
    return loss_g, loss_d


for step in range(3):
    real = torch.randn(16, 32) * 0.5 + 1.0
    loss_g, loss_d = compute_losses(real)

    optim_g.zero_grad()
    loss_g.backward()
    optim_g.step()

    optim_d.zero_grad()
    loss_d.backward()  # bug: PTL201
    optim_d.step()
    print(f"step {step}: loss_g {loss_g.item():.3f} loss_d {loss_d.item():.3f}")
