# Two task losses on a shared encoder, done right in two ways: retain_graph=True on the first
# backward, or one backward on the sum. Also a per-task gradient norm (GradNorm-like) that uses
# autograd.grad with retain_graph=True before the real backward.
import torch
from torch import nn


class SharedEncoder(nn.Module):
    def __init__(self, d_in=32, d_hidden=64):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, d_hidden), nn.ReLU(), nn.Linear(d_hidden, d_hidden))

    def forward(self, x):
        return self.net(x)


encoder = SharedEncoder()
head_a = nn.Linear(64, 10)
head_b = nn.Linear(64, 1)
params = list(encoder.parameters()) + list(head_a.parameters()) + list(head_b.parameters())
optimizer = torch.optim.Adam(params, lr=1e-3)

for step in range(100):
    x = torch.randn(16, 32)
    y_a = torch.randint(0, 10, (16,))
    y_b = torch.randn(16, 1)
    z = encoder(x)
    loss_a = nn.functional.cross_entropy(head_a(z), y_a)
    loss_b = nn.functional.mse_loss(head_b(z), y_b)
    optimizer.zero_grad()
    loss_a.backward(retain_graph=True)
    loss_b.backward()
    optimizer.step()

for step in range(100):
    x = torch.randn(16, 32)
    z = encoder(x)
    losses = [nn.functional.cross_entropy(head_a(z), torch.randint(0, 10, (16,))),
              nn.functional.mse_loss(head_b(z), torch.randn(16, 1))]
    shared_weight = encoder.net[2].weight
    norms = []
    for task_loss in losses:
        g, = torch.autograd.grad(task_loss, shared_weight, retain_graph=True)
        norms.append(g.norm())
    weights = torch.stack(norms).detach()
    weights = weights.sum() / weights
    total = sum(w * l for w, l in zip(weights, losses))
    optimizer.zero_grad()
    total.backward()
    optimizer.step()
    if step % 20 == 0:
        print(step, [l.item() for l in losses], weights.numpy())
