# Source: https://github.com/wingedsheep/transformer/issues/4
# Pattern: the tutorial transformer's `PositionalEncoding` builds its sinusoid table with numpy in a
# method, returns `torch.from_numpy(positional_encoding).float()` and keeps it as a plain attribute;
# the model is moved with `.to(get_device())` and `forward` adds the CPU table to CUDA embeddings.
# error: Expected all tensors to be on the same device
# symptom: the addition in forward
# device: fake-cuda
import numpy as np
import torch
from torch import nn


def get_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class PositionalEncoding(nn.Module):
    def __init__(self, embedding_dimension, max_sequence_length):
        super().__init__()
        self.embedding_dimension = embedding_dimension
        self.max_sequence_length = max_sequence_length
        self.positional_encoding = self.create_positional_encoding()  # bug: PTL302

    def create_positional_encoding(self):
        positional_encoding = np.zeros((self.max_sequence_length, self.embedding_dimension))
        for pos in range(self.max_sequence_length):
            for i in range(0, self.embedding_dimension, 2):
                positional_encoding[pos, i] = np.sin(pos / (10000 ** ((2 * i) / self.embedding_dimension)))
                positional_encoding[pos, i + 1] = np.cos(pos / (10000 ** ((2 * (i + 1)) / self.embedding_dimension)))
        return torch.from_numpy(positional_encoding).float()

    def forward(self, x):
        return x + self.positional_encoding[: x.size(1), :]


class LanguageModel(nn.Module):
    def __init__(self, number_of_tokens=50, max_sequence_length=16, embedding_dimension=32):
        super().__init__()
        self.token_embedding = nn.Embedding(number_of_tokens, embedding_dimension)
        self.positional_encoding = PositionalEncoding(embedding_dimension, max_sequence_length)
        self.lm_head = nn.Linear(embedding_dimension, number_of_tokens)

    def forward(self, x):
        return self.lm_head(self.positional_encoding(self.token_embedding(x)))


model = LanguageModel().to(get_device())
tokens = torch.randint(0, 50, (2, 10)).to(get_device())
print(model(tokens).shape)
