# The fixed version of the language model from the forum thread: (h, c) detached every step.
import torch
from torch import nn


class LanguageModel(nn.Module):
    def __init__(self, vocab_size, embed_size=128, hidden_size=256, num_layers=1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, num_layers, batch_first=True)
        self.linear = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, h):
        out, (h, c) = self.lstm(self.embed(x), h)
        return self.linear(out.reshape(-1, out.size(2))), (h, c)


def detach(states):
    return [state.detach() for state in states]


def train(model, ids, seq_length=30, epochs=3):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.002)
    batch_size = ids.size(0)
    for epoch in range(epochs):
        h = torch.zeros(1, batch_size, 256)
        c = torch.zeros(1, batch_size, 256)
        for i in range(0, ids.size(1) - seq_length, seq_length):
            inputs = ids[:, i:i + seq_length]
            targets = ids[:, (i + 1):(i + 1) + seq_length]
            h, c = h.detach(), c.detach()
            outputs, (h, c) = model(inputs, (h, c))
            loss = criterion(outputs, targets.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            optimizer.step()


def train_with_helper(model, ids, seq_length=30):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    states = (torch.zeros(1, ids.size(0), 256), torch.zeros(1, ids.size(0), 256))
    for i in range(0, ids.size(1) - seq_length, seq_length):
        inputs = ids[:, i:i + seq_length]
        targets = ids[:, (i + 1):(i + 1) + seq_length]
        states = detach(states)
        outputs, states = model(inputs, states)
        loss = criterion(outputs, targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    ids = torch.randint(0, 1000, (20, 600))
    model = LanguageModel(1000)
    train(model, ids)
    train_with_helper(model, ids)
