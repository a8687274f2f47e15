# Source: https://github.com/heartcored98/Standalone-DeepLearning/issues/11
# Pattern: the lecture's CIFAR-10 CNN lab calls `optimizer.zero_grad()` once per epoch ("epoch 당
#   zero_grad()를 한 번 사용하시던데요"), not before each batch's `backward()`, so within an epoch every
#   `optimizer.step()` applies the sum of the gradients of all the epoch's batches so far; the author fixed the same
#   mistake in several labs
# error: the gradient of the last step is not the last batch's own gradient
# symptom: the check at the end (plain SGD lets it rebuild the weights before the last step and recompute the last
#   batch's gradient there)
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
        optimizer.zero_grad()
        for i, (inputs, labels) in enumerate(trainloader):
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()  # bug: PTL204
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
