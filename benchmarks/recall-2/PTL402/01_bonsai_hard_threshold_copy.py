# Source: https://github.com/microsoft/EdgeML/issues/119
# Pattern: the Bonsai trainer's iterative hard thresholding copies the model's weight matrices with
# `np.copy(self.bonsaiObj.W)` (parameters that require grad) before sparsifying them, at epoch 33.
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
from torch import nn


class Bonsai(nn.Module):
    def __init__(self, num_classes, data_dim, proj_dim, num_nodes):
        super().__init__()
        self.Z = nn.Parameter(torch.randn(proj_dim, data_dim) * 0.1)
        self.W = nn.Parameter(torch.randn(num_nodes * num_classes, proj_dim) * 0.1)
        self.V = nn.Parameter(torch.randn(num_nodes * num_classes, proj_dim) * 0.1)
        self.num_classes = num_classes

    def forward(self, x):
        xp = x @ self.Z.t()
        score = (xp @ self.W.t()) * torch.tanh(xp @ self.V.t())
        return score.view(x.size(0), -1, self.num_classes).sum(1)


def hard_threshold(a, s):
    flat = np.abs(a.ravel())
    if s >= 1.0:
        return a
    threshold = np.sort(flat)[int((1 - s) * flat.size)]
    return a * (np.abs(a) >= threshold)


class BonsaiTrainer:
    def __init__(self, bonsaiObj, sW=0.3, lr=0.01):
        self.bonsaiObj = bonsaiObj
        self.sW = sW
        self.optimizer = torch.optim.Adam(bonsaiObj.parameters(), lr=lr)

    def runHardThrsd(self):
        currW = np.copy(self.bonsaiObj.W)  # bug: PTL402
        self.Wth = hard_threshold(currW, self.sW)

    def train(self, batches, total_epochs, iht_start):
        for epoch in range(total_epochs):
            for x, y in batches:
                loss = nn.functional.cross_entropy(self.bonsaiObj(x), y)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
            if epoch >= iht_start:
                self.runHardThrsd()


trainer = BonsaiTrainer(Bonsai(num_classes=3, data_dim=10, proj_dim=4, num_nodes=3))
trainer.train([(torch.randn(8, 10), torch.randint(0, 3, (8,)))], total_epochs=3, iht_start=1)
