# WGAN-GP critic step. The first version computes a gradient norm for logging with
# torch.autograd.grad (no retain_graph) and then calls backward on the same loss; the second
# version is the standard gradient penalty with create_graph=True.
import torch
import torch.nn as nn

critic = nn.Sequential(nn.Linear(2, 128), nn.LeakyReLU(0.2), nn.Linear(128, 1))
generator = nn.Sequential(nn.Linear(16, 128), nn.ReLU(), nn.Linear(128, 2))
opt_c = torch.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.0, 0.9))


def critic_step_logging(real):
    z = torch.randn(real.size(0), 16)
    fake = generator(z).detach()
    loss = critic(fake).mean() - critic(real).mean()
    grads = torch.autograd.grad(loss, list(critic.parameters()))
    grad_norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
    opt_c.zero_grad()
    loss.backward()  # expect: PTL201
    opt_c.step()
    return loss.item(), grad_norm.item()


def gradient_penalty(real, fake, lambda_gp=10.0):
    alpha = torch.rand(real.size(0), 1)
    interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = critic(interp)
    grads = torch.autograd.grad(outputs=scores, inputs=interp,
                                grad_outputs=torch.ones_like(scores),
                                create_graph=True, retain_graph=True)[0]
    return lambda_gp * ((grads.norm(2, dim=1) - 1) ** 2).mean()


def critic_step(real):
    z = torch.randn(real.size(0), 16)
    fake = generator(z).detach()
    loss = critic(fake).mean() - critic(real).mean() + gradient_penalty(real, fake)
    opt_c.zero_grad()
    loss.backward()
    opt_c.step()
    return loss.item()


for it in range(100):
    real = torch.randn(64, 2)
    critic_step(real)
    if it % 10 == 0:
        print(critic_step_logging(real))
