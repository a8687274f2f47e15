# Source: https://github.com/pytorch/examples/pull/779
# Pattern: the word language model's training loop updates the parameters by hand with `p.add_`.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch
from torch import nn


class RNNModel(nn.Module):
    def __init__(self, ntoken=30, ninp=16, nhid=16):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid)
        self.decoder = nn.Linear(nhid, ntoken)

    def forward(self, input, hidden):
        output, hidden = self.rnn(self.encoder(input), hidden)
        return self.decoder(output), hidden


def train(model, data, targets, lr=20.0, clip=0.25):
    model.train()
    criterion = nn.CrossEntropyLoss()
    hidden = None
    model.zero_grad()
    output, hidden = model(data, hidden)
    loss = criterion(output.view(-1, 30), targets.view(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    for p in model.parameters():
        p.add_(p.grad, alpha=-lr)  # bug: PTL205


train(RNNModel(), torch.randint(0, 30, (6, 2)), torch.randint(0, 30, (6, 2)))
