# Source: https://github.com/mrdbourke/pytorch-deep-learning/issues/583
# Pattern: the fix the reporter found: `train_step()` accumulates `loss.item()`, so the results dict holds
# floats and `plot_loss_curves(results)` plots them (`plot` is the same stand-in as in the bug
# program).
import numpy as np
import torch
from torch import nn


def plot(x, y, label=None):
    return np.asarray(x), np.asarray(y)


def train_step(model, dataloader, loss_fn, optimizer):
    model.train()
    train_loss, train_acc = 0, 0
    for X, y in dataloader:
        y_pred = model(X)
        loss = loss_fn(y_pred, y)
        train_loss += loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        train_acc += (y_pred.argmax(dim=1) == y).sum().item() / len(y_pred)
    return train_loss / len(dataloader), train_acc / len(dataloader)


def train(model, train_dataloader, optimizer, loss_fn=None, epochs=3):
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    results = {"train_loss": [], "train_acc": []}
    for epoch in range(epochs):
        train_loss, train_acc = train_step(model, train_dataloader, loss_fn, optimizer)
        print(f"Epoch: {epoch + 1} | train_loss: {train_loss:.4f} | train_acc: {train_acc:.4f}")
        results["train_loss"].append(train_loss)
        results["train_acc"].append(train_acc)
    return results


def plot_loss_curves(results):
    loss = results["train_loss"]
    epochs = range(len(results["train_loss"]))
    plot(epochs, loss, label="train_loss")


class TinyVGG(nn.Module):
    def __init__(self, input_shape=3, hidden_units=8, output_shape=3):
        super().__init__()
        self.conv_block = nn.Sequential(nn.Conv2d(input_shape, hidden_units, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(hidden_units * 8 * 8, output_shape))

    def forward(self, x):
        return self.classifier(self.conv_block(x))


torch.manual_seed(42)
model_0 = TinyVGG()
optimizer = torch.optim.Adam(params=model_0.parameters(), lr=0.001)
train_dataloader = [(torch.rand(4, 3, 16, 16), torch.randint(0, 3, (4,))) for _ in range(3)]
model_0_results = train(model_0, train_dataloader, optimizer)
plot_loss_curves(model_0_results)
