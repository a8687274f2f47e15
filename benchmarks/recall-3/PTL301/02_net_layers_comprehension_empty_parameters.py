# Source: https://github.com/pytorch/pytorch/issues/59925
# Pattern: a network keeps all of its layers in a list comprehension attribute
# (`self.layers = [torch.nn.Linear(4, 4) for i in range(2)]`) and runs them in `forward`; it has no
# registered parameter at all, so building the optimizer from `net.parameters()` fails.
# error: optimizer got an empty parameter list
# symptom: the optimizer's construction
import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [torch.nn.Linear(4, 4) for i in range(2)]  # bug: PTL301

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


net = Net()
print(list(net.parameters()))
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
for _ in range(3):
    x = torch.randn(8, 4)
    loss = net(x).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
