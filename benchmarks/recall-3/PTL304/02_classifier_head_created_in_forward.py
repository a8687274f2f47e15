# Source: https://thecodeforge.io/ml-ai/pytorch-neural-network/
# Pattern: the production failure the article describes: an MNIST-style classifier defines its body
# in `__init__` but creates the output layer (`nn.Linear(128, 10)`) inside `forward`, so each batch
# gets a new random head that the optimizer never sees; training loss moves, predictions stay random.
# error: the layer built in forward gives a different output on every call
# symptom: the check at the end (two eval-mode calls on the same input differ)
import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.body = nn.Sequential(nn.Linear(28 * 28, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU())

    def forward(self, x):
        features = self.body(self.flatten(x))
        head = nn.Linear(128, 10)  # bug: PTL304
        return head(features)


def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    for images, labels in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
    return loss.item()


torch.manual_seed(0)
model = Classifier()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loader = [(torch.rand(16, 1, 28, 28), torch.randint(0, 10, (16,))) for _ in range(3)]
print(train_one_epoch(model, loader, optimizer, nn.CrossEntropyLoss()))

model.eval()
with torch.no_grad():
    x = torch.rand(4, 1, 28, 28)
    if not torch.equal(model(x), model(x)):
        raise AssertionError("the layer built in forward gives a different output on every call")
