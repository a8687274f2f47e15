# Source: https://github.com/pytorchbearer/torchbearer/issues/424
# Pattern: "Roc metric bug": the library's ROC AUC metric is a lambda over the batch's predictions,
#   `roc_auc_score(y_true.cpu().numpy(), y_pred.cpu().numpy())`, and during training the predictions still carry the
#   graph: "Can't call numpy() on Variable that requires grad"; `roc_auc_score` is written out (rank statistic)
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)


def roc_auc_score(y_true, y_score):
    order = np.argsort(y_score)
    ranks = np.empty(len(y_score))
    ranks[order] = np.arange(1, len(y_score) + 1)
    n_pos = y_true.sum()
    n_neg = len(y_true) - n_pos
    return (ranks[y_true == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


class EpochLambda:
    def __init__(self, name, metric_function):
        self.name, self.metric_function = name, metric_function
        self.y_true, self.y_pred = [], []

    def process(self, y_pred, y_true):
        self.y_pred.append(y_pred)
        self.y_true.append(y_true)

    def process_final(self):
        value = self.metric_function(torch.cat(self.y_pred), torch.cat(self.y_true))
        self.y_true, self.y_pred = [], []
        return value


class RocAucScore(EpochLambda):
    def __init__(self):
        super().__init__(
            "roc_auc_score",
            lambda y_pred, y_true: roc_auc_score(y_true.cpu().numpy(), y_pred.cpu().numpy()),  # bug: PTL402
        )


model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
metric = RocAucScore()
loader = [(torch.randn(32, 8), torch.randint(0, 2, (32,)).float()) for _ in range(4)]
for epoch in range(2):
    for x, y in loader:
        y_pred = model(x).squeeze(1)
        loss = nn.functional.binary_cross_entropy(y_pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        metric.process(y_pred, y)
    print(f"epoch {epoch}: loss {loss.item():.3f} auc {metric.process_final():.3f}")
