# Source: https://github.com/Hsintien-Ng/idinvert_pytorch-reproduced/issues/1
# Fix (the author's): optimizer_D.zero_grad() before the discriminator's backward.
import torch
from torch import nn

E = nn.Linear(8, 4)
D = nn.Linear(8, 1)
G = nn.Linear(4, 8)
optimizer_E = torch.optim.Adam(E.parameters(), lr=1e-4)
optimizer_D = torch.optim.Adam(D.parameters(), lr=1e-4)


def d_loss_fn(reals):
    fakes = G(E(reals)).detach()
    return nn.functional.softplus(D(fakes)).mean() + nn.functional.softplus(-D(reals)).mean()


for _it in range(3):
    reals = torch.randn(6, 8)
    optimizer_E.zero_grad()
    e_loss = (G(E(reals)) - reals).pow(2).mean() + nn.functional.softplus(-D(G(E(reals)))).mean()
    e_loss.backward()
    optimizer_E.step()

    optimizer_D.zero_grad()
    d_loss = d_loss_fn(reals)
    d_loss.backward()
    optimizer_D.step()

fresh = torch.autograd.grad(d_loss_fn(reals), D.weight)[0]
if not torch.allclose(D.weight.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
