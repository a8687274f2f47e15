# Source: http://hbase.cn/archives/1390.html
# Pattern: the post's fix: the per-sample losses are summed before the backward,
# `l.sum().backward()`, which gives the gradient of their sum.
import torch
from torch import nn


class TextClassifier(nn.Module):
    def __init__(self, vocab_size=200, embed_dim=16, num_classes=4):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim)
        self.fc = nn.Linear(embed_dim, num_classes)

    def forward(self, tokens):
        return self.fc(self.embedding(tokens))


class Trainer:
    def __init__(self, model, lr=0.1):
        self.model = model
        self.loss = nn.CrossEntropyLoss(reduction="none")
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr)

    def train_step(self, tokens, labels):
        self.optimizer.zero_grad()
        l = self.loss(self.model(tokens), labels)  # noqa: E741 - the post's name
        l.sum().backward()
        self.optimizer.step()
        return l.sum().item()


trainer = Trainer(TextClassifier())
for _ in range(2):
    print(trainer.train_step(torch.randint(0, 200, (8, 12)), torch.randint(0, 4, (8,))))
