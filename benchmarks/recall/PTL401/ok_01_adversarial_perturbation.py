# Source: https://github.com/amirgholami/TRAttack/pull/3
# Fix (the pull request): `.cpu()` before `.numpy()`.
# device: fake-cuda
import numpy as np
import torch
from torch import nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 10)).to(device)


def tr_attack(model, data, target, eps=0.03, iters=3):
    x = data.clone().requires_grad_(True)
    for _ in range(iters):
        loss = nn.functional.cross_entropy(model(x), target)
        grad = torch.autograd.grad(loss, x)[0]
        x = (x + eps * grad.sign()).detach().requires_grad_(True)
    return x.detach()


data = torch.rand(4, 3, 8, 8).to(device)
target = torch.randint(0, 10, (4,)).to(device)
adv = tr_attack(model, data, target)
perturbation = (adv - data).view(4, -1).norm(dim=1)
print(np.mean(perturbation.cpu().numpy()))
