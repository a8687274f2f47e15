# FGSM adversarial training. The input gradient is taken with autograd.grad on the clean loss
# without retain_graph, and the clean loss is then backwarded together with the adversarial one.
import torch
import torch.nn as nn
import torch.nn.functional as F

model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
eps = 0.1


def train_step(x, y):
    x = x.clone().requires_grad_(True)
    clean_loss = F.cross_entropy(model(x), y)
    grad_x, = torch.autograd.grad(clean_loss, x)
    x_adv = (x + eps * grad_x.sign()).clamp(0, 1).detach()
    adv_loss = F.cross_entropy(model(x_adv), y)
    optimizer.zero_grad()
    (clean_loss + adv_loss).backward()  # expect: PTL201
    optimizer.step()


def train_step_fixed(x, y):
    x = x.clone().requires_grad_(True)
    clean_loss = F.cross_entropy(model(x), y)
    grad_x, = torch.autograd.grad(clean_loss, x, retain_graph=True)
    x_adv = (x + eps * grad_x.sign()).clamp(0, 1).detach()
    loss = 0.5 * clean_loss + 0.5 * F.cross_entropy(model(x_adv), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


for _ in range(10):
    x, y = torch.rand(32, 1, 28, 28), torch.randint(0, 10, (32,))
    train_step_fixed(x, y)
    train_step(x, y)
