# A Module moves in place with `model.to(device)` (unlike a tensor); its outputs are on the
# device. The conversion for the plot forgets `.cpu()`; the inputs, never moved, are fine.
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 2))
model.to(device)

grid = torch.stack(torch.meshgrid(torch.linspace(-2, 2, 50), torch.linspace(-2, 2, 50), indexing="ij"), -1)
points = grid.reshape(-1, 2)
with torch.no_grad():
    flow = model(points.to(device))
plt.quiver(points[:, 0].numpy(), points[:, 1].numpy(),
           flow[:, 0].numpy(), flow[:, 1].numpy())  # expect: PTL401
plt.savefig("flow.png")
