# Source: https://github.com/Hsintien-Ng/idinvert_pytorch-reproduced/issues/1
# Pattern: an in-domain GAN inversion loop trains an encoder and a discriminator; the discriminator's
# optimizer is stepped every iteration but never zeroed, so its gradients pile up.
# error: gradients accumulated across steps
# symptom: the check at the end (the discriminator's .grad is not the last batch's gradient)
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

    d_loss = d_loss_fn(reals)
    d_loss.backward()
    optimizer_D.step()  # bug: PTL204

fresh = torch.autograd.grad(d_loss_fn(reals), D.weight)[0]
if not torch.allclose(D.weight.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
