# Source: https://github.com/Lightning-AI/pytorch-lightning/issues/1429
# Pattern: a LightningModule-style classifier computes its validation accuracy with scikit-learn's
# `accuracy_score(y, y_hat)` inside `validation_step`, on the batch the trainer moved to the GPU
# (scikit-learn is not installed: a stand-in does the `np.asarray` its input validation does).
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def accuracy_score(y_true, y_pred):
    y_true = np.asarray(y_true)  # bug: PTL401
    y_pred = np.asarray(y_pred)  # also: PTL401
    return float((y_true == y_pred).mean())


class CoolModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(28 * 28, 10)

    def forward(self, x):
        return torch.relu(self.l1(x.view(x.size(0), -1)))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return {"loss": F.cross_entropy(self(x), y)}

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        y_hat = torch.argmax(logits, dim=1)
        val_acc = accuracy_score(y, y_hat)
        return {"val_loss": F.cross_entropy(logits, y), "val_acc": val_acc}


class Trainer:
    def __init__(self, gpus=0):
        self.device = torch.device("cuda" if gpus and torch.cuda.is_available() else "cpu")

    def fit(self, model, train_loader, val_loader):
        model.to(self.device)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        for batch_idx, (x, y) in enumerate(train_loader):
            loss = model.training_step((x.to(self.device), y.to(self.device)), batch_idx)["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            outputs = [
                model.validation_step((x.to(self.device), y.to(self.device)), i) for i, (x, y) in enumerate(val_loader)
            ]
        print(np.mean([o["val_acc"] for o in outputs]))


loader = [(torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,))) for _ in range(2)]
Trainer(gpus=1).fit(CoolModel(), loader, loader)
