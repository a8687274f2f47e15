# Source: https://github.com/pytorch/pytorch/issues/32100
# Pattern: the fix: each loss is kept as a Python number (`.item()`)
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn


def validate(model, batches, criterion, device):
    model.eval()
    val_losses = []
    with torch.no_grad():
        for x, y in batches:
            x, y = x.to(device), y.to(device)
            val_losses.append(criterion(model(x), y).item())
    return np.mean(val_losses)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1)).to(device)
batches = [(torch.randn(8, 6), torch.randn(8, 1)) for _ in range(3)]
print(f"val loss {validate(model, batches, nn.MSELoss(), device):.4f}")
