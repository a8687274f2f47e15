# Streaming sensor classifier: an LSTM consumes a long time series window by window and the
# author keeps (h, c) between windows "so the model remembers". Crashes on the second window.
import numpy as np
import torch
from torch import nn, optim


class StreamLSTM(nn.Module):
    def __init__(self, n_features, hidden=64, n_classes=4):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, n_classes)

    def forward(self, x, state=None):
        out, state = self.lstm(x, state)
        return self.fc(out[:, -1]), state


def windows(series, labels, size):
    for start in range(0, len(series) - size, size):
        x = torch.from_numpy(series[start:start + size]).float().unsqueeze(0)
        y = torch.tensor([labels[start + size - 1]])
        yield x, y


def train_stream(model, series, labels, window=50):
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    h = torch.zeros(1, 1, 64)
    c = torch.zeros(1, 1, 64)
    losses = []
    for x, y in windows(series, labels, window):
        logits, (h, c) = model(x, (h, c))
        loss = loss_fn(logits, y)
        optimizer.zero_grad()
        loss.backward()  # expect: PTL201
        optimizer.step()
        losses.append(loss.item())
    return np.mean(losses)


def predict_stream(model, series, window=50):
    preds = []
    state = None
    model.eval()
    with torch.no_grad():
        for start in range(0, len(series) - window, window):
            x = torch.from_numpy(series[start:start + window]).float().unsqueeze(0)
            logits, state = model(x, state)
            preds.append(logits.argmax(-1).numpy())
    return np.concatenate(preds)


if __name__ == "__main__":
    series = np.random.randn(5000, 6).astype(np.float32)
    labels = np.random.randint(0, 4, size=5000)
    model = StreamLSTM(6)
    print(train_stream(model, series, labels))
    print(predict_stream(model, series)[:10])
