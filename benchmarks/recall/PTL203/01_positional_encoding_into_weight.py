# Source: https://github.com/Atcold/NYU-DLSP20/issues/765
# Pattern: sinusoidal position encodings are written with slice assignment straight into the weight of an
# nn.Embedding (a leaf that requires grad), inside the model's __init__.
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import numpy as np
import torch
from torch import nn


def create_sinusoidal_embeddings(nb_p, dim, E):
    theta = np.array([[p / np.power(10000, 2 * (j // 2) / dim) for j in range(dim)] for p in range(nb_p)])
    E[:, 0::2] = torch.tensor(np.sin(theta[:, 0::2]), dtype=torch.float)  # bug: PTL203
    E[:, 1::2] = torch.tensor(np.cos(theta[:, 1::2]), dtype=torch.float)  # also: PTL203
    E.detach_()
    E.requires_grad = False


class Embeddings(nn.Module):
    def __init__(self, d_model, vocab_size, max_position_embeddings):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, d_model, padding_idx=1)
        self.position_embeddings = nn.Embedding(max_position_embeddings, d_model)
        create_sinusoidal_embeddings(max_position_embeddings, d_model, E=self.position_embeddings.weight)

    def forward(self, input_ids):
        positions = torch.arange(input_ids.size(1)).unsqueeze(0)
        return self.word_embeddings(input_ids) + self.position_embeddings(positions)


emb = Embeddings(d_model=32, vocab_size=100, max_position_embeddings=64)
