# Source: https://discuss.pytorch.org/t/leaf-variable-was-used-in-an-inplace-operation/308/2
# Pattern: the weight of a module's layer updated by hand through the attribute chain after backward.
# error: a leaf Variable that requires grad is being used in an in-place operation
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
    model.lin.weight -= lr * model.lin.weight.grad  # bug: PTL205
    model.lin.bias -= lr * model.lin.bias.grad  # also: PTL205
