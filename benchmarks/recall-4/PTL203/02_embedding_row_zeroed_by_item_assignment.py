# Source: https://github.com/pytorch/pytorch/issues/5833
# Pattern: the reporter initialises an `nn.Embedding` from pretrained word vectors and sets the
# padding row to zero with `emb.weight[1] = 0`; the weight is a leaf that requires grad, so the
# item assignment raises (at the time with another message; the answer was `emb.weight.data[i] =`
# and the then-new `Embedding.from_pretrained`).
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
from torch import nn


class TextClassifier(nn.Module):
    def __init__(self, vectors, pad_idx=1, num_classes=2):
        super().__init__()
        num_embeddings, dim = vectors.shape
        self.embedding = nn.Embedding(num_embeddings, dim)
        self.embedding.weight = nn.Parameter(vectors.clone())
        self.embedding.weight[pad_idx] = 0  # bug: PTL203
        self.fc = nn.Linear(dim, num_classes)

    def forward(self, tokens):
        return self.fc(self.embedding(tokens).mean(1))


glove = torch.randn(10, 20)
model = TextClassifier(glove)
print(model(torch.randint(0, 10, (3, 5))).shape)
