# Source: https://github.com/samet-akcay/ganomaly/issues/26
# Pattern: the anomaly detector's `test()` fills preallocated score and label tensors created on
# `self.device`, then calls `evaluate(labels, scores)`, whose `roc()` helper converts them with numpy
# (scikit-learn's `roc_curve` calls `np.asarray`; written out here because scikit-learn is not
# installed).
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
from torch import nn


def roc(labels, scores):
    y_true = np.asarray(labels)  # bug: PTL401
    y_score = np.asarray(scores)  # also: PTL401
    order = np.argsort(-y_score)
    tps = np.cumsum(y_true[order])
    return float(tps[-1]) / max(len(y_true), 1)


def evaluate(labels, scores, metric="roc"):
    if metric == "roc":
        return roc(labels, scores)
    raise NotImplementedError(metric)


class Ganomaly:
    def __init__(self, device):
        self.device = device
        self.netg = nn.Sequential(nn.Linear(16, 4), nn.ReLU(), nn.Linear(4, 16)).to(device)
        self.netg_enc = nn.Linear(16, 4).to(device)

    def test(self, dataloader, total):
        with torch.no_grad():
            self.an_scores = torch.zeros(size=(total,), dtype=torch.float32, device=self.device)
            self.gt_labels = torch.zeros(size=(total,), dtype=torch.long, device=self.device)
            for i, (x, y) in enumerate(dataloader):
                x, y = x.to(self.device), y.to(self.device)
                fake = self.netg(x)
                latent_i, latent_o = self.netg_enc(x), self.netg_enc(fake)
                error = torch.mean(torch.pow((latent_i - latent_o), 2), dim=1)
                start = i * x.size(0)
                self.an_scores[start : start + error.size(0)] = error.reshape(error.size(0))
                self.gt_labels[start : start + error.size(0)] = y.reshape(error.size(0))
            self.an_scores = (self.an_scores - torch.min(self.an_scores)) / (
                torch.max(self.an_scores) - torch.min(self.an_scores)
            )
            return evaluate(self.gt_labels, self.an_scores, metric="roc")


device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
loader = [(torch.randn(4, 16), torch.randint(0, 2, (4,))) for _ in range(3)]
print(Ganomaly(device).test(loader, total=12))
