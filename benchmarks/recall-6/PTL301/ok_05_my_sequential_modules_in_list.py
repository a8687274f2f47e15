# Source: https://github.com/kolyakr/d2l (notebook of the "Layers and Modules" exercises)
# Pattern: the fix: the blocks are registered with `add_module`, as the book's own MySequential does
import torch
from torch import nn


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        for idx, module in enumerate(args):
            self.add_module(str(idx), module)

    def forward(self, X):
        for module in self.children():
            X = module(X)
        return X


net = MySequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
X = torch.rand(2, 20)
print(net(X).shape)
trainer = torch.optim.SGD(net.parameters(), lr=0.1)
for epoch in range(3):
    trainer.zero_grad()
    loss = net(X).pow(2).mean()
    loss.backward()
    trainer.step()
