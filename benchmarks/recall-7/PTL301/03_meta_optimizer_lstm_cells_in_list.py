# Source: https://github.com/ikostrikov/pytorch-meta-optimizer/issues/11
# Pattern: "LSTM weights not optimised": the learned optimizer appends its `LayerNormLSTMCell` modules to a plain
#   list `self.lstms`, so they are not registered in the `MetaOptimizer` and `meta_optimizer.parameters()` (the
#   meta-training optimizer's parameter list) leaves them out; the reporter's fix wraps them in `nn.Sequential`
# error: the meta-optimizer's LSTM cells were not trained
# symptom: the check at the end (their weights are unchanged after meta-training)
import torch
import torch.nn as nn

torch.manual_seed(0)


class LayerNormLSTMCell(nn.Module):
    def __init__(self, num_inputs, num_hidden):
        super().__init__()
        self.fc_i2h = nn.Linear(num_inputs, 4 * num_hidden)
        self.fc_h2h = nn.Linear(num_hidden, 4 * num_hidden)
        self.ln_i2h, self.ln_h2h = nn.LayerNorm(4 * num_hidden), nn.LayerNorm(4 * num_hidden)
        self.ln_cell = nn.LayerNorm(num_hidden)

    def forward(self, inputs, state):
        hx, cx = state
        gates = self.ln_i2h(self.fc_i2h(inputs)) + self.ln_h2h(self.fc_h2h(hx))
        i, f, o, g = gates.chunk(4, dim=1)
        cx = torch.sigmoid(f) * cx + torch.sigmoid(i) * torch.tanh(g)
        hx = torch.sigmoid(o) * torch.tanh(self.ln_cell(cx))
        return hx, cx


class MetaOptimizer(nn.Module):
    def __init__(self, hidden_size=8, num_layers=2):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear1 = nn.Linear(3, hidden_size)
        self.lstms = []  # bug: PTL301
        for i in range(num_layers):
            self.lstms.append(LayerNormLSTMCell(hidden_size, hidden_size))
        self.linear2 = nn.Linear(hidden_size, 1)

    def forward(self, x, states):
        x = torch.tanh(self.linear1(x))
        new_states = []
        for lstm, state in zip(self.lstms, states):
            hx, cx = lstm(x, state)
            new_states.append((hx, cx))
            x = hx
        return self.linear2(x).squeeze(1), new_states


def quadratic_loss(w, A, b):
    return ((A @ w - b) ** 2).sum()


meta_optimizer = MetaOptimizer()
optimizer = torch.optim.Adam(meta_optimizer.parameters(), lr=1e-3)
before = [p.detach().clone() for p in meta_optimizer.lstms[0].parameters()]
for epoch in range(3):
    A, b = torch.randn(5, 5), torch.randn(5)
    w = torch.zeros(5, requires_grad=True)
    states = [(torch.zeros(5, 8), torch.zeros(5, 8)) for _ in meta_optimizer.lstms]
    meta_loss = 0
    for unroll in range(4):
        loss = quadratic_loss(w, A, b)
        (grad,) = torch.autograd.grad(loss, w, create_graph=True)
        features = torch.stack([grad, grad.abs().log1p(), w], dim=1).detach()
        update, states = meta_optimizer(features, states)
        w = w + 0.1 * update
        meta_loss = meta_loss + quadratic_loss(w, A, b)
    optimizer.zero_grad()
    meta_loss.backward()
    optimizer.step()
    print(f"epoch {epoch}: meta loss {meta_loss.item():.3f}")

if all(torch.equal(p0, p) for p0, p in zip(before, meta_optimizer.lstms[0].parameters())):
    raise RuntimeError("the meta-optimizer's LSTM cells were not trained")
