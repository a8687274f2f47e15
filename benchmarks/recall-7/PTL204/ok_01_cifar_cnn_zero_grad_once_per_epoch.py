# Source: https://github.com/heartcored98/Standalone-DeepLearning/issues/11
# Pattern: fix (the author's): `optimizer.zero_grad()` before each batch's backward
import torch
import torch.nn as nn
from torch.func import functional_call

torch.manual_seed(0)
lr, batch_size, epochs = 0.01, 4, 2


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Linear(6 * 4 * 4, 10)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))


def train(net, trainloader, optimizer, criterion):
    net.train()
    for epoch in range(epochs):
        running_loss = 0.0
        for i, (inputs, labels) in enumerate(trainloader):
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        print(f"[{epoch + 1}] loss: {running_loss / len(trainloader):.3f}")


net = CNN()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=lr)
trainloader = [(torch.randn(batch_size, 3, 8, 8), torch.randint(0, 10, (batch_size,))) for _ in range(3)]
train(net, trainloader, optimizer, criterion)

# check: the last step must have used the last batch's gradient only
inputs, labels = trainloader[-1]
before = {n: (p + lr * p.grad).detach().requires_grad_() for n, p in net.named_parameters()}
own = torch.autograd.grad(criterion(functional_call(net, before, (inputs,)), labels), list(before.values()))
for (name, p), g in zip(net.named_parameters(), own):
    if not torch.allclose(p.grad, g, atol=1e-6):
        raise RuntimeError("the gradient of the last step is not the last batch's own gradient")
