# Source: https://forums.fast.ai/t/rnn-hidden-state-initializations-chapter-12/91887
# Pattern: the fix (the book's): keep only the values of the state, `self.h = h.detach()`
import torch
import torch.nn as nn
import torch.nn.functional as F


class LMModel(nn.Module):
    def __init__(self, vocab_sz, n_hidden, n_layers, bs):
        super().__init__()
        self.i_h = nn.Embedding(vocab_sz, n_hidden)
        self.rnn = nn.RNN(n_hidden, n_hidden, n_layers, batch_first=True)
        self.h_o = nn.Linear(n_hidden, vocab_sz)
        self.h = torch.zeros(n_layers, bs, n_hidden)

    def forward(self, x):
        res, h = self.rnn(self.i_h(x), self.h)
        self.h = h.detach()
        return self.h_o(res)

    def reset(self):
        self.h = torch.zeros_like(self.h)


vocab_sz, bs, seq_len = 30, 4, 8
model = LMModel(vocab_sz, 16, 2, bs)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
stream = torch.randint(0, vocab_sz, (bs, 5 * seq_len + 1))
model.reset()
for i in range(0, 5 * seq_len, seq_len):
    xb, yb = stream[:, i : i + seq_len], stream[:, i + 1 : i + seq_len + 1]
    loss = F.cross_entropy(model(xb).view(-1, vocab_sz), yb.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
