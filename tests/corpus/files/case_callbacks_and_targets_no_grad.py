# A training loop with callbacks (a plain class keeping lists), targets from a frozen teacher
# computed once under no_grad before the loop, and a fixed input batch reused each step.
import numpy as np
import torch
import torch.nn as nn


class History:
    def __init__(self):
        self.losses = []
        self.grad_norms = []
        self.snapshots = [nn.Linear(4, 4)]

    def on_step(self, loss, model):
        self.losses.append(loss.item())
        norms = [p.grad.norm().item() for p in model.parameters() if p.grad is not None]
        self.grad_norms.append(float(np.sum(norms)))


teacher = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 4)).eval()
student = nn.Sequential(nn.Linear(10, 8), nn.Tanh(), nn.Linear(8, 4))
inputs = torch.randn(256, 10)
with torch.no_grad():
    targets = teacher(inputs)

history = History()
optimizer = torch.optim.Adam(student.parameters(), lr=1e-2)
for step in range(200):
    loss = nn.functional.mse_loss(student(inputs), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    history.on_step(loss, student)

print(np.array(history.losses[-5:]), targets.numpy().std())
