# LSTM language model whose (h, c) state is carried across batches without detaching.
import torch
from torch import nn

torch.manual_seed(0)
embed = nn.Embedding(50, 8)
lstm = nn.LSTM(8, 16, batch_first=True)
head = nn.Linear(16, 50)
params = list(embed.parameters()) + list(lstm.parameters()) + list(head.parameters())
optimizer = torch.optim.SGD(params, lr=0.1)
tokens = torch.randint(0, 50, (4, 61))

state = (torch.zeros(1, 4, 16), torch.zeros(1, 4, 16))
losses = []
for start in range(0, 60, 10):
    inputs = tokens[:, start : start + 10]
    targets = tokens[:, start + 1 : start + 11]
    out, state = lstm(embed(inputs), state)
    loss = nn.functional.cross_entropy(head(out).reshape(-1, 50), targets.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

OUTPUT = {"losses": losses, "weights": [p.detach() for p in params]}
