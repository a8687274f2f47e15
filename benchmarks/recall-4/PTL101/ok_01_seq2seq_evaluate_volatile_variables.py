# Source: https://github.com/keon/seq2seq/pull/27
# Pattern: the PR's fix: the evaluation loop runs under `torch.no_grad()` and uses the batch tensors as they
# are, without `Variable`.
# warnings-as-errors
import torch
import torch.nn.functional as F
from torch import nn


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab=30, trg_vocab=30, hidden=16):
        super().__init__()
        self.src_embed = nn.Embedding(src_vocab, hidden)
        self.trg_embed = nn.Embedding(trg_vocab, hidden)
        self.encoder = nn.GRU(hidden, hidden)
        self.decoder = nn.GRU(hidden, hidden)
        self.out = nn.Linear(hidden, trg_vocab)

    def forward(self, src, trg, teacher_forcing_ratio=0.0):
        _, h = self.encoder(self.src_embed(src))
        output, _ = self.decoder(self.trg_embed(trg), h)
        return self.out(output)


class Batch:
    def __init__(self, src, trg):
        self.src = (src, torch.full((src.size(1),), src.size(0)))
        self.trg = (trg, torch.full((trg.size(1),), trg.size(0)))


def evaluate(model, val_iter, vocab_size, pad=0):
    model.eval()
    total_loss = 0
    for b, batch in enumerate(val_iter):
        src, len_src = batch.src
        trg, len_trg = batch.trg
        with torch.no_grad():
            output = model(src, trg, teacher_forcing_ratio=0.0)
        loss = F.nll_loss(
            output[1:].view(-1, vocab_size).log_softmax(-1), trg[1:].contiguous().view(-1), ignore_index=pad
        )
        total_loss += loss.item()
    return total_loss / len(val_iter)


model = Seq2Seq()
val_iter = [Batch(torch.randint(1, 30, (7, 4)), torch.randint(1, 30, (6, 4))) for _ in range(2)]
print(evaluate(model, val_iter, 30))
