# Source: https://github.com/synsense/sinabs/issues/5
# Pattern: a spiking layer keeps its membrane state in a buffer; `reset_states()` zeroes it in place,
# which keeps the buffer attached to the last graph, so the next sample's backward reaches it again.
# error: Trying to backward through the graph a second time
import torch
from torch import nn


class LeakyLayer(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("v_mem", torch.zeros(n))

    def reset_states(self):
        self.v_mem.zero_()

    def forward(self, x):
        v = self.v_mem
        for t in range(x.size(0)):
            v = 0.9 * v + x[t]
        self.v_mem = v
        return torch.sigmoid(v)


fc = nn.Linear(4, 6)
layer = LeakyLayer(6)
opt = torch.optim.SGD(fc.parameters(), lr=0.01)
for _sample in range(3):
    layer.reset_states()
    out = layer(fc(torch.randn(5, 4)))
    loss = out.sum()
    opt.zero_grad()
    loss.backward()  # bug: PTL201
    opt.step()
