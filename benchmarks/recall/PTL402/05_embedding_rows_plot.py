# Source: https://github.com/tkalayci71/embedding-inspector/issues/22
# Pattern: an inspector plots rows of a text encoder's token embedding table (a parameter) with
# `emb_vec[u].numpy()`.
# error: Can't call numpy() on Tensor that requires grad
import torch
from torch import nn


class TextEncoder(nn.Module):
    def __init__(self, vocab=50, dim=8):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, dim)


def do_inspect(encoder, token_ids):
    emb_vec = encoder.token_embedding.weight[token_ids]
    x = torch.arange(emb_vec.size(1))
    series = []
    for u in range(len(token_ids)):
        series.append((x.numpy(), emb_vec[u].numpy()))  # bug: PTL402
    return series


do_inspect(TextEncoder(), torch.tensor([3, 7]))
