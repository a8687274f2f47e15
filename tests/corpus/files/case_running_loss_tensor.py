# "Loss keeps growing and then: Trying to backward through the graph a second time" -- the
# epoch loss is accumulated as a tensor and backwarded every step.
import torch
import torch.nn as nn
import torch.nn.functional as F

model = nn.Sequential(nn.Linear(20, 50), nn.ReLU(), nn.Linear(50, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
data = [(torch.randn(16, 20), torch.randint(0, 2, (16,))) for _ in range(50)]

for epoch in range(3):
    epoch_loss = 0
    for x, y in data:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        epoch_loss = epoch_loss + loss
        epoch_loss.backward()  # expect: PTL201
        optimizer.step()
    print(epoch, epoch_loss.item() / len(data))

for epoch in range(3):
    running = 0.0
    for x, y in data:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        running += loss.item()
    print(epoch, running / len(data))
