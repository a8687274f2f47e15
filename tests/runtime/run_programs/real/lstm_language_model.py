import torch
from torch import nn


class LanguageModel(nn.Module):
    def __init__(self, vocab=40, size=24):
        super().__init__()
        self.embed = nn.Embedding(vocab, size)
        self.lstm = nn.LSTM(size, size, batch_first=True)
        self.out = nn.Linear(size, vocab)

    def forward(self, tokens, state):
        output, state = self.lstm(self.embed(tokens), state)
        return self.out(output), state


model = LanguageModel()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
criterion = nn.CrossEntropyLoss()
stream = torch.randint(0, 40, (4, 61))
state = (torch.zeros(1, 4, 24), torch.zeros(1, 4, 24))
for i in range(0, 60, 20):
    inputs, targets = stream[:, i : i + 20], stream[:, i + 1 : i + 21]
    logits, state = model(inputs, state)
    loss = criterion(logits.reshape(-1, 40), targets.reshape(-1))
    optimizer.zero_grad()
    loss.backward()  # expect: PTL201
    optimizer.step()
