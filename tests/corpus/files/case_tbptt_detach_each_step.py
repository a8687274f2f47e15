# Truncated BPTT done right in three common styles: detach at the top of the loop, an
# LSTMCell with (h, c) detached at chunk boundaries, and retain_graph=True on an inner backward
# followed by the real one.
import torch
import torch.nn as nn

rnn = nn.GRU(8, 32, batch_first=True)
head = nn.Linear(32, 1)
params = list(rnn.parameters()) + list(head.parameters())
optimizer = torch.optim.Adam(params, lr=1e-3)
series = torch.randn(4, 1000, 8)
target = torch.randn(4, 1000, 1)

hidden = torch.zeros(1, 4, 32)
for t in range(0, 1000, 50):
    hidden = hidden.detach()
    out, hidden = rnn(series[:, t:t + 50], hidden)
    loss = nn.functional.mse_loss(head(out), target[:, t:t + 50])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


cell = nn.LSTMCell(8, 32)
cell_opt = torch.optim.SGD(list(cell.parameters()) + list(head.parameters()), lr=0.01)


def train_cell(k1=10):
    h = torch.zeros(4, 32)
    c = torch.zeros(4, 32)
    loss = 0
    for t in range(1000):
        h, c = cell(series[:, t], (h, c))
        loss = loss + nn.functional.mse_loss(head(h), target[:, t])
        if (t + 1) % k1 == 0:
            cell_opt.zero_grad()
            loss.backward()
            cell_opt.step()
            h, c = h.detach(), c.detach()
            loss = 0


def aux_then_main(x, y):
    out, _ = rnn(x)
    aux_loss = out.pow(2).mean()
    main_loss = nn.functional.mse_loss(head(out), y)
    optimizer.zero_grad()
    aux_loss.backward(retain_graph=True)
    main_loss.backward()
    optimizer.step()


train_cell()
aux_then_main(series[:, :50], target[:, :50])
