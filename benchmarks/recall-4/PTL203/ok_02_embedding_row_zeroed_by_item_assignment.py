# Source: https://github.com/pytorch/pytorch/issues/5833
# Pattern: the fix the thread points to: the pretrained vectors are edited before they become the layer's
# parameter, and `nn.Embedding.from_pretrained(vectors, freeze=False, padding_idx=pad_idx)` builds the layer.
import torch
from torch import nn


class TextClassifier(nn.Module):
    def __init__(self, vectors, pad_idx=1, num_classes=2):
        super().__init__()
        dim = vectors.shape[1]
        vectors = vectors.clone()
        vectors[pad_idx] = 0
        self.embedding = nn.Embedding.from_pretrained(vectors, freeze=False, padding_idx=pad_idx)
        self.fc = nn.Linear(dim, num_classes)

    def forward(self, tokens):
        return self.fc(self.embedding(tokens).mean(1))


glove = torch.randn(10, 20)
model = TextClassifier(glove)
print(model(torch.randint(0, 10, (3, 5))).shape)
