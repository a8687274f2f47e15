# Source: https://github.com/uchida-takumi/CustomizedLinear/pull/1
# Pattern: fix: the mask is registered as a buffer, so `model.to(device)` moves it with the weights
# device: fake-cuda
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class CustomizedLinear(nn.Module):
    def __init__(self, mask, bias=True):
        """mask: (in_features, out_features) 0/1 matrix of the connections to keep"""
        super().__init__()
        self.input_features, self.output_features = mask.shape
        self.register_buffer("mask", torch.tensor(mask, dtype=torch.float).t())
        self.weight = nn.Parameter(torch.empty(self.output_features, self.input_features))
        self.bias = nn.Parameter(torch.empty(self.output_features)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.weight.size(1))
        nn.init.uniform_(self.weight, -stdv, stdv)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -stdv, stdv)

    def forward(self, x):
        return F.linear(x, self.weight * self.mask, self.bias)


# genes -> pathways: each hidden unit only sees its own group of inputs
connections = np.zeros((12, 4))
for unit in range(4):
    connections[unit * 3 : unit * 3 + 3, unit] = 1

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Sequential(CustomizedLinear(connections), nn.ReLU(), nn.Linear(4, 1)).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(3):
    x, y = torch.randn(16, 12, device=device), torch.randn(16, 1, device=device)
    loss = F.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step}: loss {loss.item():.4f}")
