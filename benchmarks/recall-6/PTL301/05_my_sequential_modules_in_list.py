# Source: https://github.com/kolyakr/d2l (notebook of the "Layers and Modules" exercises)
# Pattern: the exercise "what happens if MySequential stores the blocks in a Python list": the solution keeps
#   `self.modules = []` and appends each block; the forward pass works, but the model has no parameters, and
#   the optimizer built from them refuses to start ("optimizer got an empty parameter list")
# error: optimizer got an empty parameter list
# symptom: raised by the optimizer's constructor, which gets no parameter at all
import torch
from torch import nn


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        self.modules = []  # bug: PTL301
        for idx, module in enumerate(args):
            self.modules.append(module)

    def forward(self, X):
        for module in self.modules:
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
