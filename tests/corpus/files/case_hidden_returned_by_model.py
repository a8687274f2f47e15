# A stock-price forecaster. The model returns its hidden state; the training function keeps it
# across mini-batches of one long sequence (the loop) and never detaches it.
import torch as T
import torch.nn as nn
import torch.nn.functional as F


class Forecaster(nn.Module):
    def __init__(self, hidden_size=32):
        super().__init__()
        self.rnn = nn.RNN(1, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)
        self.hidden_size = hidden_size

    def forward(self, x, hidden):
        out, hidden = self.rnn(x, hidden)
        return self.head(out), hidden

    def init_hidden(self, batch):
        return T.zeros(1, batch, self.hidden_size)


def fit(model, prices, seq=20, epochs=10, lr=1e-2):
    opt = T.optim.SGD(model.parameters(), lr=lr)
    for epoch in range(epochs):
        hidden = model.init_hidden(1)
        for start in range(0, prices.size(0) - seq - 1, seq):
            x = prices[start:start + seq].view(1, seq, 1)
            y = prices[start + 1:start + seq + 1].view(1, seq, 1)
            pred, hidden = model(x, hidden)
            loss = F.mse_loss(pred, y)
            opt.zero_grad()
            loss.backward()  # expect: PTL201
            opt.step()
        print(f"epoch {epoch}: {loss.item():.4f}")


def fit_tbptt(model, prices, seq=20, lr=1e-2):
    """Second version from the same notebook, after the fix: truncated BPTT."""
    opt = T.optim.SGD(model.parameters(), lr=lr)
    hidden = model.init_hidden(1)
    for start in range(0, prices.size(0) - seq - 1, seq):
        hidden = hidden.detach()
        x = prices[start:start + seq].view(1, seq, 1)
        y = prices[start + 1:start + seq + 1].view(1, seq, 1)
        pred, hidden = model(x, hidden)
        loss = F.mse_loss(pred, y)
        opt.zero_grad()
        loss.backward()
        opt.step()


prices = T.cumsum(T.randn(1000), 0)
prices = (prices - prices.mean()) / prices.std()
model = Forecaster()
fit(model, prices)
fit_tbptt(model, prices)
