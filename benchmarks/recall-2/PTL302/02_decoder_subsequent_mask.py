# Source: https://github.com/OpenNMT/OpenNMT-py/pull/240
# Pattern: a Transformer decoder precomputes the subsequent-position mask for the maximum length with a
# numpy helper and keeps it as `self.mask`; `forward` adds it to the padding mask of the target, which
# is on the GPU after `model.cuda()`.
# error: Expected all tensors to be on the same device
# symptom: the mask arithmetic in forward
# device: fake-cuda
import numpy as np
import torch
from torch import nn

MAX_SIZE = 50


def get_attn_subsequent_mask(size):
    attn_shape = (1, size, size)
    subsequent_mask = np.triu(np.ones(attn_shape), k=1).astype("uint8")
    return torch.from_numpy(subsequent_mask)


class TransformerDecoder(nn.Module):
    def __init__(self, num_layers, hidden_size, vocab_size, padding_idx=0):
        super().__init__()
        self.padding_idx = padding_idx
        self.embeddings = nn.Embedding(vocab_size, hidden_size, padding_idx=padding_idx)
        self.attn = nn.MultiheadAttention(hidden_size, 2, batch_first=True)
        self.proj = nn.Linear(hidden_size, vocab_size)
        mask = get_attn_subsequent_mask(MAX_SIZE)
        self.mask = mask  # bug: PTL302

    def forward(self, tgt):
        tgt_len = tgt.size(1)
        tgt_pad_mask = tgt.eq(self.padding_idx).unsqueeze(1).expand(tgt.size(0), tgt_len, tgt_len)
        dec_mask = torch.gt(tgt_pad_mask.to(torch.uint8) + self.mask[:, :tgt_len, :tgt_len], 0)
        emb = self.embeddings(tgt)
        out, _ = self.attn(emb, emb, emb, attn_mask=dec_mask[0])
        return self.proj(out)


model = TransformerDecoder(num_layers=1, hidden_size=8, vocab_size=20)
model.cuda()
tgt = torch.randint(1, 20, (2, 7)).cuda()
print(model(tgt).shape)
