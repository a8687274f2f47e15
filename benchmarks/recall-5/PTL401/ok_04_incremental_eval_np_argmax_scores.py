# Source: https://github.com/GMvandeVen/class-incremental-learning/issues/5
# Pattern: the fix: take the argmax with torch and bring the result to the host with `.cpu()`
# device: fake-cuda
import torch
import torch.nn as nn


def test_acc(model, dataset, active_classes, device):
    model.eval()
    correct, total = 0, 0
    for x, y in dataset:
        x = x.to(device)
        with torch.no_grad():
            scores = model(x)[:, active_classes]
        predicted = scores.argmax(dim=1).cpu()
        correct += int((predicted == y).sum())
        total += len(y)
    return correct / total


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10)).to(device)
dataset = [(torch.randn(8, 20), torch.randint(0, 4, (8,))) for _ in range(3)]
print(test_acc(model, dataset, list(range(4)), device))
