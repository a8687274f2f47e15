# Source: https://github.com/pytorch/pytorch/issues/97586
# Pattern: "Tensor shares memory with numpy array under certain condition": after `np_tensor = tensor.numpy()`,
#   `tensor += 1` changes the array too. Here a prediction tracker keeps running class counts in a tensor,
#   snapshots them with `.numpy()` at the start of each epoch and adds each batch's counts with `+=`; the
#   epoch's own counts (`now - start`) come out as all zeros
# error: the counts of the last epoch are all zero
# symptom: the check at the end (the tracker predicted 48 samples in the last epoch)
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
    start = tracker.counts.numpy()  # bug: PTL403
    with torch.no_grad():
        for _ in range(3):
            tracker.update(model(torch.randn(16, 8)))
    history.append(tracker.counts.numpy() - start)
    print(f"epoch {epoch}: predicted per class {history[-1]}")

if np.sum(history[-1]) == 0:
    raise RuntimeError("the counts of the last epoch are all zero")
