# Source: https://github.com/aibydoing/feedback/issues/1
# Pattern: an online course's PyTorch-basics notebook still demonstrates `Variable`: the inference
# cell wraps the test inputs with `Variable(x, volatile=True)` to skip the graph; the reader points
# out that `volatile` has long been deprecated (it has no effect, so a graph is recorded).
# error: volatile was removed
# warnings-as-errors
import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101


class LinearRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)


model = LinearRegression()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x_train = torch.linspace(0, 1, 20).unsqueeze(1)
y_train = 3 * x_train + 0.5
for epoch in range(50):
    inputs, targets = Variable(x_train), Variable(y_train)
    loss = nn.functional.mse_loss(model(inputs), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

x_test = Variable(torch.tensor([[0.25], [0.75]]), volatile=True)  # bug: PTL101
print(model(x_test))
