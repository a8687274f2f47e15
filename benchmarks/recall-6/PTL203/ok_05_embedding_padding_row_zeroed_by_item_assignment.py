# Source: https://github.com/pytorch/pytorch/issues/5833
# Pattern: the fix: the padding row is zeroed together with the copy, under `torch.no_grad()`
import torch
import torch.nn as nn


class TextClassifier(nn.Module):
    def __init__(self, vectors, pad_idx, num_classes=3):
        super().__init__()
        self.emb = nn.Embedding(vectors.size(0), vectors.size(1))
        with torch.no_grad():
            self.emb.weight.copy_(vectors)
            self.emb.weight[pad_idx] = 0
        self.fc = nn.Linear(vectors.size(1), num_classes)

    def forward(self, tokens):
        return self.fc(self.emb(tokens).mean(dim=1))


pretrained = torch.randn(10, 20)
model = TextClassifier(pretrained, pad_idx=1)
print(model(torch.tensor([[2, 3, 1, 1]])).shape)
