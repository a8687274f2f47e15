import torch
from torch import nn

model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.randn(64, 3)
y = x @ torch.tensor([[1.5], [-2.0], [0.3]]) + 0.7
for epoch in range(10):
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()  # expect: PTL204
print(f"final loss {loss.item():.3f}")
