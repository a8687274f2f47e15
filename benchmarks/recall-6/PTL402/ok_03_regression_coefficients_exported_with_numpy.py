# Source: https://stackoverflow.com/questions/63582590/why-do-we-call-detach-before-calling-numpy-on-a-pytorch-tensor
# Pattern: the fix: `.detach().numpy()`
import json

import torch


def fit_polynomial(x, y, degree=2, steps=200, lr=0.1):
    coeffs = torch.zeros(degree + 1, requires_grad=True)
    optimizer = torch.optim.Adam([coeffs], lr=lr)
    powers = torch.stack([x**k for k in range(degree + 1)], dim=1)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((powers @ coeffs - y) ** 2).mean()
        loss.backward()
        optimizer.step()
    return coeffs


def export_coefficients(coeffs):
    values = coeffs.detach().numpy()
    return json.dumps({"coefficients": values.round(4).tolist()})


x = torch.linspace(-1, 1, 50)
y = 0.5 - x + 2 * x**2 + 0.05 * torch.randn(50)
print(export_coefficients(fit_polynomial(x, y)))
