# Source: https://github.com/tkalayci71/embedding-inspector/issues/22
# Fix: read the embedding table under torch.no_grad() (its rows then carry no graph).
import torch
from torch import nn


class TextEncoder(nn.Module):
    def __init__(self, vocab=50, dim=8):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, dim)


def do_inspect(encoder, token_ids):
    with torch.no_grad():
        emb_vec = encoder.token_embedding.weight[token_ids]
    x = torch.arange(emb_vec.size(1))
    series = []
    for u in range(len(token_ids)):
        series.append((x.numpy(), emb_vec[u].numpy()))
    return series


do_inspect(TextEncoder(), torch.tensor([3, 7]))
