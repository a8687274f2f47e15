# Source: https://github.com/pytorch/pytorch/issues/21905
# Pattern: a hand-written multi-layer GRU keeps its input and hidden projections in Python lists filled
# in a loop; only the hidden projections are moved by hand.
# error: Expected all tensors to be on the same device
# symptom: the first input projection in forward
# device: fake-cuda
import torch
from torch import nn


class GRUStack(nn.Module):
    def __init__(self, input_size, hidden_size, layn, bias=True):
        super().__init__()
        self.hidden_size = hidden_size
        self.x2h = []  # bug: PTL301
        self.h2h = []  # bug: PTL301
        for _x in range(layn):
            temp1 = nn.Linear(input_size, 3 * hidden_size, bias=bias)
            temp2 = nn.Linear(hidden_size, 3 * hidden_size, bias=bias).to("cuda:0")
            self.x2h.append(temp1)
            self.h2h.append(temp2)
            input_size = hidden_size

    def forward(self, x, h):
        for x2h, h2h in zip(self.x2h, self.h2h):
            gate_x, gate_h = x2h(x), h2h(h)
            r = torch.sigmoid(gate_x[:, : self.hidden_size] + gate_h[:, : self.hidden_size])
            h = torch.tanh(gate_x[:, -self.hidden_size :] + r * gate_h[:, -self.hidden_size :])
            x = h
        return h


model = GRUStack(6, 8, layn=2).to("cuda:0")
out = model(torch.randn(3, 6, device="cuda:0"), torch.zeros(3, 8, device="cuda:0"))
