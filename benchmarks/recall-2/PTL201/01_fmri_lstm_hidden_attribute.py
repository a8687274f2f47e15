# Source: https://github.com/sgadgil6/cnslab_fmri/issues/4
# Pattern: an LSTM regressor for fMRI windows keeps its (h, c) state in `self.hidden`, made once by
# `init_hidden()` in `__init__`; `forward` feeds it to the LSTM and stores the new state back, so the
# second batch's backward runs into the first batch's freed graph.
# error: Trying to backward through the graph a second time
import torch
from torch import nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
BATCH = 4


class fMRI_LSTM(nn.Module):
    def __init__(self, hidden_dim, input_dim):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.lstm = nn.LSTM(input_dim, hidden_dim, num_layers=1, batch_first=True)
        self.linear = nn.Linear(hidden_dim, 1)
        self.dropout = nn.Dropout(p=0.2)
        self.hidden = self.init_hidden()

    def init_hidden(self):
        return (
            torch.randn(1, BATCH, self.hidden_dim).to(device),
            torch.randn(1, BATCH, self.hidden_dim).to(device),
        )

    def forward(self, x):
        lstm_out, self.hidden = self.lstm(x, self.hidden)
        out = self.dropout(lstm_out[:, -1, :])
        return torch.sigmoid(self.linear(out))


model = fMRI_LSTM(hidden_dim=16, input_dim=8).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.BCELoss()

for _epoch in range(2):
    for _ in range(3):
        x = torch.randn(BATCH, 5, 8, device=device)
        y = torch.randint(0, 2, (BATCH, 1), device=device).float()
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()  # bug: PTL201
        optimizer.step()
