# Source: https://github.com/OpenNMT/OpenNMT-py/issues/403
# Pattern: a decoder state object keeps the hidden state in an attribute; its `detach()` method calls
# `h.detach()` and throws the result away, so the state stays attached to the previous batch's graph.
# error: Trying to backward through the graph a second time
import torch
from torch import nn


class DecoderState:
    def __init__(self, hidden):
        self.hidden = hidden

    def detach(self):
        for h in self.hidden:
            h.detach()


class Decoder(nn.Module):
    def __init__(self, vocab=20, dim=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.rnn = nn.LSTM(dim, dim, batch_first=True)
        self.proj = nn.Linear(dim, vocab)

    def forward(self, tokens, state):
        out, hidden = self.rnn(self.embed(tokens), state.hidden)
        state.hidden = hidden
        return self.proj(out)


decoder = Decoder()
optim = torch.optim.SGD(decoder.parameters(), lr=0.1)
state = DecoderState((torch.zeros(1, 2, 16), torch.zeros(1, 2, 16)))
criterion = nn.CrossEntropyLoss()

for _shard in range(3):
    tokens = torch.randint(0, 20, (2, 5))
    logits = decoder(tokens, state)
    loss = criterion(logits.reshape(-1, 20), tokens.reshape(-1))
    optim.zero_grad()
    loss.backward()  # bug: PTL201
    optim.step()
    state.detach()
