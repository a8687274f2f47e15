# Segment-level recurrence (Transformer-XL style): the memory of the previous segment is fed to
# the next one. The paper detaches it (stop-gradient); this version forgets to.
import torch
import torch.nn as nn


class SegmentLM(nn.Module):
    def __init__(self, vocab=1000, d=64, mem_len=32):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.attn = nn.MultiheadAttention(d, 4, batch_first=True)
        self.out = nn.Linear(d, vocab)
        self.mem_len = mem_len

    def forward(self, tokens, mem=None):
        h = self.embed(tokens)
        context = h if mem is None else torch.cat([mem, h], dim=1)
        h, _ = self.attn(h, context, context)
        new_mem = context[:, -self.mem_len:]
        return self.out(h), new_mem


model = SegmentLM()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)
stream = torch.randint(0, 1000, (4, 1025))

mem = None
for start in range(0, 1024, 64):
    x = stream[:, start:start + 64]
    y = stream[:, start + 1:start + 65]
    logits, mem = model(x, mem)
    loss = nn.functional.cross_entropy(logits.reshape(-1, 1000), y.reshape(-1))
    optimizer.zero_grad()
    loss.backward()  # expect: PTL201
    optimizer.step()


def train_detached(model, stream):
    mem = None
    for start in range(0, 1024, 64):
        x, y = stream[:, start:start + 64], stream[:, start + 1:start + 65]
        logits, mem = model(x, mem)
        mem = mem.detach()
        loss = nn.functional.cross_entropy(logits.reshape(-1, 1000), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
