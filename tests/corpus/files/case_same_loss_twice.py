# Gradient accumulation refactor gone wrong: the loss is backwarded inside the accumulation
# branch and again at the end of the step.
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
accum_steps = 4


def train_step(batch, step):
    x, y = batch
    out = model(x)
    loss = nn.functional.mse_loss(out, y) / accum_steps
    if (step + 1) % accum_steps != 0:
        loss.backward()
        return loss.item()
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss.item()


def train_step_buggy(batch):
    x, y = batch
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    if torch.isfinite(loss):
        optimizer.step()
    optimizer.zero_grad()
    loss.backward()  # expect: PTL201
    return loss.item()


for step in range(16):
    batch = (torch.randn(8, 32), torch.randn(8, 1))
    train_step(batch, step)
train_step_buggy((torch.randn(8, 32), torch.randn(8, 1)))
