# Source: https://github.com/sgadgil6/cnslab_fmri/issues/4 (fix: https://github.com/sgadgil6/cnslab_fmri/pull/5)
# Pattern: the fix the thread converged on: each window starts from a zero state, no state is carried.
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

    def forward(self, x):
        lstm_out, _ = self.lstm(x)
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
        loss.backward()
        optimizer.step()
