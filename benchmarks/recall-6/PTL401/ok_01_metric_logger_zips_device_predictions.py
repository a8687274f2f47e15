# Source: https://github.com/neuro-ml/thunder/issues/49
# Pattern: the fix: the callback moves each pair to the CPU as it collects it
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn


class MetricLogger:
    def __init__(self, metrics):
        self.metrics = metrics
        self._all_predictions = []

    def on_validation_batch_end(self, prediction, target):
        self._all_predictions.append((prediction.cpu(), target.cpu()))

    def evaluate_epoch(self):
        predictions, targets = map(np.asarray, zip(*self._all_predictions))
        self._all_predictions = []
        return {name: fn(predictions, targets) for name, fn in self.metrics.items()}


def accuracy(predictions, targets):
    return float((predictions.argmax(-1) == targets).mean())


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3)).to(device)
logger = MetricLogger({"accuracy": accuracy})
model.eval()
with torch.no_grad():
    for _ in range(4):
        x, y = torch.randn(10, device=device), torch.randint(0, 3, (), device=device)
        logger.on_validation_batch_end(model(x), y)
print(logger.evaluate_epoch())
