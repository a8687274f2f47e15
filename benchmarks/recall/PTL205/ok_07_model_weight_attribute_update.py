# Source: https://discuss.pytorch.org/t/leaf-variable-was-used-in-an-inplace-operation/308/2
# Fix: the update under torch.no_grad().
import torch
from torch import nn


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 1)

    def forward(self, x):
        return self.lin(x)


model = Regressor()
x, y = torch.randn(16, 3), torch.randn(16, 1)
lr = 0.05
for _step in range(3):
    loss = ((model(x) - y) ** 2).mean()
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        model.lin.weight -= lr * model.lin.weight.grad
        model.lin.bias -= lr * model.lin.bias.grad
