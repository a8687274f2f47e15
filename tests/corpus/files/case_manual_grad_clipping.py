# Manual global-norm gradient clipping copied from an old codebase, next to the built-in one.
import torch
import torch.nn as nn


def clip_grad_norm_old(parameters, max_norm):
    parameters = [p for p in parameters if p.grad is not None]
    total_norm = 0.0
    for p in parameters:
        param_norm = p.grad.data.norm(2)  # expect: PTL102
        total_norm += param_norm.item() ** 2
    total_norm = total_norm ** 0.5
    clip_coef = max_norm / (total_norm + 1e-6)
    if clip_coef < 1:
        for p in parameters:
            p.grad.data.mul_(clip_coef)  # expect: PTL102
    return total_norm


def grad_norm(model):
    norms = [p.grad.detach().norm(2) for p in model.parameters() if p.grad is not None]
    return torch.norm(torch.stack(norms), 2).item()


model = nn.LSTM(16, 32)
optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
for step in range(20):
    out, _ = model(torch.randn(10, 4, 16))
    loss = out.pow(2).sum()
    optimizer.zero_grad()
    loss.backward()
    if step % 2:
        clip_grad_norm_old(model.parameters(), 1.0)
    else:
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    print(step, grad_norm(model))
    optimizer.step()
