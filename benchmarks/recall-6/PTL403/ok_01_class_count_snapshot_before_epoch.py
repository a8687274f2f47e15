# Source: https://github.com/pytorch/pytorch/issues/97586
# Pattern: the fix: the snapshot is a copy
import numpy as np
import torch
import torch.nn as nn

num_classes = 4


class PredictionTracker:
    def __init__(self, num_classes):
        self.counts = torch.zeros(num_classes)

    def update(self, logits):
        self.counts += torch.bincount(logits.argmax(dim=1), minlength=len(self.counts)).float()


model = nn.Linear(8, num_classes)
tracker = PredictionTracker(num_classes)
history = []
for epoch in range(2):
    start = tracker.counts.numpy().copy()
    with torch.no_grad():
        for _ in range(3):
            tracker.update(model(torch.randn(16, 8)))
    history.append(tracker.counts.numpy() - start)
    print(f"epoch {epoch}: predicted per class {history[-1]}")

if np.sum(history[-1]) == 0:
    raise RuntimeError("the counts of the last epoch are all zero")
