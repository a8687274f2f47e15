# Source: https://github.com/norse/norse/pull/131 (the report is norse/norse#130)
# Pattern: a spiking network made of a linear layer and a leaky integrate-and-fire cell returns its
# membrane state with the output; the training loop feeds the state of one batch into the next
# without detaching it, so the second `loss.backward()` reaches the previous batch's graph.
# The maintainers' answer: the user must detach (or reset) the state between backward passes.
# error: Trying to backward through the graph a second time
import torch
import torch.nn.functional as F
from torch import nn


class LIFState:
    def __init__(self, v):
        self.v = v


class LIFCell(nn.Module):
    def __init__(self, threshold=1.0, decay=0.9):
        super().__init__()
        self.threshold = threshold
        self.decay = decay

    def forward(self, input_current, state=None):
        v = torch.zeros_like(input_current) if state is None else state.v
        v = self.decay * v + input_current
        spikes = torch.sigmoid(5.0 * (v - self.threshold))
        v = v * (1.0 - spikes)
        return spikes, LIFState(v)


class SNN(nn.Module):
    def __init__(self, n_in=10, n_hidden=16, n_out=2):
        super().__init__()
        self.fc_in = nn.Linear(n_in, n_hidden)
        self.cell = LIFCell()
        self.fc_out = nn.Linear(n_hidden, n_out)

    def forward(self, x, state=None):
        spikes, state = self.cell(self.fc_in(x), state)
        return self.fc_out(spikes), state


model = SNN()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
batches = [(torch.randn(8, 10), torch.randint(0, 2, (8,))) for _ in range(4)]
state = None
for x, y in batches:
    out, state = model(x, state)
    loss = F.cross_entropy(out, y)
    optimizer.zero_grad()
    loss.backward()  # bug: PTL201
    optimizer.step()
print(loss.item())
