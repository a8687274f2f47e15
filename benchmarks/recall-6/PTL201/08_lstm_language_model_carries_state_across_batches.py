# Source: https://github.com/dpressel/dliss-tutorial/issues/1
# Pattern: the tutorial's language model initialises each batch from the previous batch's hidden states and
#   detaches them ("At every step of training, we will detach our hidden states"); the reporter asks why the
#   detach is needed. Without it (as here) the `(h, c)` carried into the second batch still belongs to the
#   first batch's graph, which the first backward freed
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn


class LSTMLanguageModel(nn.Module):
    def __init__(self, vocab_size=50, embed_dim=16, hidden_dim=32):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.LSTM(embed_dim, hidden_dim, batch_first=True)
        self.proj = nn.Linear(hidden_dim, vocab_size)

    def forward(self, tokens, hidden=None):
        output, hidden = self.rnn(self.embed(tokens), hidden)
        return self.proj(output), hidden


def batchify(stream, batch_size, bptt):
    n = stream.size(0) // batch_size
    data = stream[: n * batch_size].view(batch_size, n)
    for i in range(0, n - 1, bptt):
        seq = min(bptt, n - 1 - i)
        yield data[:, i : i + seq], data[:, i + 1 : i + 1 + seq]


model = LSTMLanguageModel()
optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
criterion = nn.CrossEntropyLoss()
stream = torch.randint(0, 50, (400,))
hidden = None
for x, y in batchify(stream, batch_size=4, bptt=10):
    optimizer.zero_grad()
    logits, hidden = model(x, hidden)
    loss = criterion(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
    loss.backward()  # bug: PTL201
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
    optimizer.step()
