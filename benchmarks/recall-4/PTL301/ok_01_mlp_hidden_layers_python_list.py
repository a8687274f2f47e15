# Source: https://github.com/pytorch/pytorch/issues/38639
# Pattern: the answer in the thread: the hidden layers go in an `nn.ModuleList`, so the optimizer sees and
# trains them (the same check at the end passes).
import torch
import torch.nn.functional as F
from torch import nn


class Regressor(nn.Module):
    def __init__(self, in_features, hidden_sizes, activation=nn.Tanh):
        super().__init__()
        self.hidden = nn.ModuleList()
        size = in_features
        for h in hidden_sizes:
            self.hidden.append(nn.Linear(size, h))
            size = h
        self.act = activation()
        self.out = nn.Linear(size, 1)

    def forward(self, x):
        for layer in self.hidden:
            x = self.act(layer(x))
        return self.out(x)


torch.manual_seed(0)
model = Regressor(4, [16, 16])
before = [layer.weight.detach().clone() for layer in model.hidden]
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
x, y = torch.randn(64, 4), torch.randn(64, 1)
for _ in range(20):
    optimizer.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(loss.item())
if all(torch.equal(b, layer.weight) for b, layer in zip(before, model.hidden)):
    raise AssertionError("layers kept in a plain list were never trained")
