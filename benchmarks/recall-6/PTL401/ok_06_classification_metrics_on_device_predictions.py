# Source: https://github.com/robustness-gym/robustness-gym/pull/39
# Pattern: the fix from the pull request: the tensors go to the CPU before the metrics
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn


def _check_targets(y_true, y_pred):
    return np.asarray(y_true), np.asarray(y_pred)


def accuracy_score(y_true, y_pred):
    y_true, y_pred = _check_targets(y_true, y_pred)
    return float((y_true == y_pred).mean())


def f1_macro(y_true, y_pred, num_classes):
    y_true, y_pred = _check_targets(y_true, y_pred)
    scores = []
    for c in range(num_classes):
        tp = np.sum((y_pred == c) & (y_true == c))
        fp, fn = np.sum((y_pred == c) & (y_true != c)), np.sum((y_pred != c) & (y_true == c))
        scores.append(2 * tp / max(2 * tp + fp + fn, 1))
    return float(np.mean(scores))


def compute_metrics(model, batch, device, num_classes=3):
    inputs, labels = batch
    with torch.no_grad():
        preds = model(inputs.to(device)).argmax(dim=-1)
    labels, preds = labels.cpu(), preds.cpu()
    return {"accuracy": accuracy_score(labels, preds), "f1": f1_macro(labels, preds, num_classes)}


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Sequential(nn.Linear(12, 24), nn.ReLU(), nn.Linear(24, 3)).to(device).eval()
print(compute_metrics(model, (torch.randn(20, 12), torch.randint(0, 3, (20,))), device))
