# Source: https://www.engineermaxxing.com/micro/lessons/pytorch-internals.html
# Pattern: the lesson's opening bug: a model keeps all its layers in a plain Python list, so
#   `model.parameters()` is empty and the optimizer has nothing to train
# error: optimizer got an empty parameter list
# symptom: the optimizer's constructor raises (the model has no registered parameter)
import torch
import torch.nn as nn


class MyModel(nn.Module):
    def __init__(self, sizes=(64, 32, 10)):
        super().__init__()
        self.layers = [nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])]  # bug: PTL301

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x


model = MyModel()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
x, y = torch.randn(16, 64), torch.randint(0, 10, (16,))
for _ in range(3):
    loss = nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
