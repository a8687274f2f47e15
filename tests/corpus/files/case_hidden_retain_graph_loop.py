# Full BPTT with a loss every 20 steps: each partial loss is backwarded with retain_graph=True
# while the hidden state flows on, and the optimizer steps once per sequence. Correct; the
# second loop initialises the hidden state per sequence.
import torch
import torch.nn as nn

rnn = nn.RNN(3, 16)
head = nn.Linear(16, 1)
opt = torch.optim.SGD(list(rnn.parameters()) + list(head.parameters()), lr=1e-3)
seq = torch.randn(200, 1, 3)

h = torch.zeros(1, 1, 16)
opt.zero_grad()
for t in range(0, 200, 20):
    out, h = rnn(seq[t:t + 20], h)
    loss = head(out).pow(2).mean()
    loss.backward(retain_graph=True)
opt.step()

sequences = [torch.randn(30, 1, 3) for _ in range(10)]
for s in sequences:
    h0 = torch.zeros(1, 1, 16)
    out, hn = rnn(s, h0)
    loss = head(out[-1]).pow(2).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
