# A "train several steps on the same batch" helper that computes the loss once, outside the
# inner loop, and then backwards it on every step.
import torch
import torch.nn as nn


def overfit_batch(model, x, y, steps=5, lr=0.1):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss = nn.functional.mse_loss(model(x), y)
    for _ in range(steps):
        optimizer.zero_grad()
        loss.backward()  # expect: PTL201
        optimizer.step()
    return loss.item()


def overfit_batch_fixed(model, x, y, steps=5, lr=0.1):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def hessian_vector_product(model, x, y, v):
    loss = nn.functional.mse_loss(model(x), y)
    params = [p for p in model.parameters()]
    grads = torch.autograd.grad(loss, params, create_graph=True)
    dot = sum((g * vi).sum() for g, vi in zip(grads, v))
    hv = torch.autograd.grad(dot, params)
    loss.backward()  # expect: PTL201
    return hv


model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
x, y = torch.randn(16, 4), torch.randn(16, 1)
print(overfit_batch_fixed(model, x, y))
print([h.shape for h in hessian_vector_product(model, x, y, [torch.ones_like(p) for p in model.parameters()])])
print(overfit_batch(model, x, y))
