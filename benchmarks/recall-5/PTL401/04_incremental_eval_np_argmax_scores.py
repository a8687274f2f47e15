# Source: https://github.com/GMvandeVen/class-incremental-learning/issues/5
# Pattern: a class-incremental evaluation computes the model's scores on the GPU and picks the predicted
#   class with `np.argmax(scores, axis=1)`, which converts the CUDA tensor to NumPy
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn


def test_acc(model, dataset, active_classes, device):
    model.eval()
    correct, total = 0, 0
    for x, y in dataset:
        x = x.to(device)
        with torch.no_grad():
            scores = model(x)[:, active_classes]
        predicted = np.argmax(scores, axis=1)  # bug: PTL401
        correct += int((predicted == y.numpy()).sum())
        total += len(y)
    return correct / total


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10)).to(device)
dataset = [(torch.randn(8, 20), torch.randint(0, 4, (8,))) for _ in range(3)]
print(test_acc(model, dataset, list(range(4)), device))
