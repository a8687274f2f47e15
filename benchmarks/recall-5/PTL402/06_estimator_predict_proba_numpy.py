# Source: https://github.com/ayrna/dlordinal/pull/46
# Pattern: a scikit-learn-style wrapper around a PyTorch model returns `predict_proba` as a NumPy array; before
#   the PR added a `torch.no_grad()` scope it converted the softmax of the model output, which requires grad
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
import torch.nn as nn


class PytorchEstimator:
    def __init__(self, model, loss_fn, optimizer, max_iter=5):
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.max_iter = max_iter

    def fit(self, X, y):
        X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)
        self.model.train()
        for _ in range(self.max_iter):
            self.optimizer.zero_grad()
            self.loss_fn(self.model(X), y).backward()
            self.optimizer.step()
        return self

    def predict_proba(self, X):
        self.model.eval()
        X = torch.as_tensor(X, dtype=torch.float32)
        return torch.softmax(self.model(X), dim=1).numpy()  # bug: PTL402

    def predict(self, X):
        return np.argmax(self.predict_proba(X), axis=1)


model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
est = PytorchEstimator(model, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=1e-2))
est.fit(np.random.rand(20, 4), np.random.randint(0, 3, 20))
print(est.predict(np.random.rand(5, 4)))
