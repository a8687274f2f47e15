# Source: https://github.com/neuraloperator/neuraloperator/pull/291
# Pattern: a neural-operator trainer with a relative Lp loss whose `reduce_dims` covers only the
# batch dimension: with more than one output channel the loss keeps one value per channel, and
# `loss.backward()` in the training loop fails. The PR summed the loss before backward; the
# maintainers pointed at `reduce_dims`.
# error: grad can be implicitly created only for scalar outputs
import torch
from torch import nn


class LpLoss:
    def __init__(self, d=1, p=2, reduce_dims=(0,)):
        self.d = d
        self.p = p
        self.reduce_dims = reduce_dims

    def rel(self, x, y):
        diff = torch.norm(torch.flatten(x, start_dim=-self.d) - torch.flatten(y, start_dim=-self.d), p=self.p, dim=-1)
        ynorm = torch.norm(torch.flatten(y, start_dim=-self.d), p=self.p, dim=-1)
        return diff / ynorm

    def __call__(self, y_pred, y):
        loss = self.rel(y_pred, y)
        for dim in self.reduce_dims:
            loss = loss.sum(dim=dim, keepdim=True)
        return loss.squeeze()


class SpectralBlock(nn.Module):
    def __init__(self, channels, modes):
        super().__init__()
        self.modes = modes
        self.weight = nn.Parameter(torch.randn(channels, channels, modes, dtype=torch.cfloat) / channels)
        self.skip = nn.Conv1d(channels, channels, 1)

    def forward(self, x):
        x_ft = torch.fft.rfft(x)
        out_ft = torch.zeros_like(x_ft)
        out_ft[..., : self.modes] = torch.einsum("bix,iox->box", x_ft[..., : self.modes], self.weight)
        return torch.relu(torch.fft.irfft(out_ft, n=x.size(-1)) + self.skip(x))


class FNO1d(nn.Module):
    def __init__(self, in_channels=1, out_channels=2, width=8, modes=4):
        super().__init__()
        self.lift = nn.Conv1d(in_channels, width, 1)
        self.block = SpectralBlock(width, modes)
        self.project = nn.Conv1d(width, out_channels, 1)

    def forward(self, x):
        return self.project(self.block(self.lift(x)))


class Trainer:
    def __init__(self, model, n_epochs=2):
        self.model = model
        self.n_epochs = n_epochs

    def train(self, train_loader, optimizer, training_loss):
        for _ in range(self.n_epochs):
            for x, y in train_loader:
                optimizer.zero_grad()
                out = self.model(x)
                loss = training_loss(out, y)
                loss.backward()  # bug: PTL202
                optimizer.step()


model = FNO1d(out_channels=2)
loader = [(torch.randn(4, 1, 32), torch.randn(4, 2, 32)) for _ in range(3)]
Trainer(model).train(loader, torch.optim.Adam(model.parameters(), lr=1e-3), LpLoss(d=1, p=2))
