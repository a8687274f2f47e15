# Source: https://github.com/WenjieDu/PyPOTS/issues/21
# Pattern: the fix: the imputation is copied to the CPU before `.numpy()`
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn


class BRITSLike(nn.Module):
    def __init__(self, n_features, hidden=16):
        super().__init__()
        self.rnn = nn.GRU(n_features * 2, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_features)

    def forward(self, X, mask):
        h, _ = self.rnn(torch.cat([X * mask, mask], dim=-1))
        return mask * X + (1 - mask) * self.out(h)


class Imputer:
    def __init__(self, n_features, device=None):
        self.device = device or torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model = BRITSLike(n_features).to(self.device)

    def fit(self, X, epochs=2):
        optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        X = torch.as_tensor(X, dtype=torch.float32, device=self.device)
        mask = (~torch.isnan(X)).float()
        X = torch.nan_to_num(X)
        for _ in range(epochs):
            optimizer.zero_grad()
            loss = ((self.model(X, mask) - X) ** 2 * mask).mean()
            loss.backward()
            optimizer.step()

    def impute(self, X, batch_size=4):
        self.model.eval()
        results = []
        with torch.no_grad():
            for start in range(0, len(X), batch_size):
                part = torch.as_tensor(X[start : start + batch_size], dtype=torch.float32, device=self.device)
                mask = (~torch.isnan(part)).float()
                results.append(self.model(torch.nan_to_num(part), mask))
        return torch.cat(results).cpu().numpy()


data = np.random.randn(10, 12, 3)
data[np.random.rand(*data.shape) < 0.2] = np.nan
imputer = Imputer(n_features=3)
imputer.fit(data)
imputation = imputer.impute(data)
print(np.isnan(imputation).sum())
