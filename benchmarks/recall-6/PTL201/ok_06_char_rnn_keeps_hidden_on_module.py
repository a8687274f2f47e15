# Source: https://github.com/gabrielloye/RNN-walkthrough/issues/3
# Pattern: the fix the reporter settled on: `self.rnn(x, self.hidden.detach())`
import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, input_size, output_size, hidden_dim, n_layers):
        super().__init__()
        self.hidden_dim, self.n_layers = hidden_dim, n_layers
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)
        self.hidden = None

    def forward(self, x):
        if self.hidden is None:
            self.hidden = self.init_hidden(x.size(0))
        out, self.hidden = self.rnn(x, self.hidden.detach())
        out = out.contiguous().view(-1, self.hidden_dim)
        return self.fc(out), self.hidden

    def init_hidden(self, batch_size):
        return torch.zeros(self.n_layers, batch_size, self.hidden_dim)


text = ["hey how are you", "good i am fine", "have a nice day"]
maxlen = max(len(s) for s in text)
text = [s.ljust(maxlen) for s in text]
chars = sorted(set("".join(text)))
char2int = {c: i for i, c in enumerate(chars)}
dict_size = len(chars)


def one_hot(batch):
    out = torch.zeros(len(batch), maxlen - 1, dict_size)
    for i, s in enumerate(batch):
        for j, c in enumerate(s[:-1]):
            out[i, j, char2int[c]] = 1.0
    return out


input_seq = one_hot(text)
target_seq = torch.tensor([[char2int[c] for c in s[1:]] for s in text])

model = Model(input_size=dict_size, output_size=dict_size, hidden_dim=12, n_layers=1)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

for epoch in range(1, 4):
    optimizer.zero_grad()
    output, hidden = model(input_seq)
    loss = criterion(output, target_seq.view(-1).long())
    loss.backward()
    optimizer.step()
    print(f"Epoch {epoch} loss {loss.item():.4f}")
