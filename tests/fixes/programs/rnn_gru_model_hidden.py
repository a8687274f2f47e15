# A model that returns its hidden state, with an init_hidden helper; the hidden state is kept
# from one chunk of a long sequence to the next.
import torch
from torch import nn


class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(1, 12, batch_first=True)
        self.head = nn.Linear(12, 1)

    def forward(self, x, hidden):
        out, hidden = self.gru(x, hidden)
        return self.head(out), hidden

    def init_hidden(self, batch):
        return torch.zeros(1, batch, 12)


torch.manual_seed(0)
series = torch.sin(torch.linspace(0, 20, 201)).view(1, -1, 1)
model = Forecaster()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)


def train(model, series, chunk=20):
    hidden = model.init_hidden(1)
    losses = []
    for start in range(0, 200 - chunk, chunk):
        x = series[:, start : start + chunk]
        y = series[:, start + 1 : start + chunk + 1]
        pred, hidden = model(x, hidden)
        loss = nn.functional.mse_loss(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


losses = train(model, series)
OUTPUT = {"losses": losses, "model": model}
