# A BiLSTM tagger whose author reuses the emissions of the first forward pass for a second,
# auxiliary loss after the main backward (two losses, one shared graph); the main step's
# weight clipping uses .data.
import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, vocab=500, tags=9):
        super().__init__()
        self.embed = nn.Embedding(vocab, 32)
        self.lstm = nn.LSTM(32, 32, bidirectional=True, batch_first=True)
        self.proj = nn.Linear(64, tags)

    def forward(self, tokens):
        out, _ = self.lstm(self.embed(tokens))
        return self.proj(out)


model = Tagger()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(50):
    tokens = torch.randint(0, 500, (8, 20))
    tags = torch.randint(0, 9, (8, 20))
    emissions = model(tokens)
    main_loss = nn.functional.cross_entropy(emissions.reshape(-1, 9), tags.reshape(-1))
    opt.zero_grad()
    main_loss.backward()
    aux_loss = emissions.softmax(-1).max(-1).values.mean()
    aux_loss.backward()  # expect: PTL201
    for p in model.proj.parameters():
        p.data.clamp_(-1, 1)  # expect: PTL102
    opt.step()
