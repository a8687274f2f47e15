# Source: https://github.com/mllam/neural-lam/pull/241
# Pattern: an autoregressive weather model keeps the per-variable loss weights as a plain tensor
# attribute (`self.feature_weights = torch.tensor(...)`) and multiplies its squared error by them in
# the training step; after `model.to(device)` the weights stay on the CPU.
# error: Expected all tensors to be on the same device
# symptom: the weighted loss in weighted_mse
# device: fake-cuda
import torch
from torch import nn


class ARModel(nn.Module):
    def __init__(self, num_state_vars=4, hidden=16, var_weights=(1.0, 0.5, 0.5, 2.0)):
        super().__init__()
        self.feature_weights = torch.tensor(var_weights, dtype=torch.float32)  # bug: PTL302
        self.predictor = nn.Sequential(nn.Linear(num_state_vars, hidden), nn.SiLU(), nn.Linear(hidden, num_state_vars))

    def forward(self, prev_state):
        return prev_state + self.predictor(prev_state)

    def weighted_mse(self, prediction, target):
        return ((prediction - target) ** 2 * self.feature_weights).mean()

    def training_step(self, batch):
        init_state, target_state = batch
        prediction = self(init_state)
        return self.weighted_mse(prediction, target_state)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = ARModel().to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
for _ in range(2):
    batch = (torch.randn(8, 10, 4, device=device), torch.randn(8, 10, 4, device=device))
    loss = model.training_step(batch)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
