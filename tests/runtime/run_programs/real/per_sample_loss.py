import torch
from torch import nn

model = nn.Linear(5, 1)
criterion = nn.MSELoss(reduction="none")
x, y = torch.randn(16, 5), torch.randn(16, 1)
loss = criterion(model(x), y)
loss.backward()  # expect: PTL202
