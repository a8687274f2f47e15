# Source: http://hbase.cn/archives/1390.html
# Pattern: the post's training code defines its loss as `nn.CrossEntropyLoss(reduction='none')`
# and calls `loss.backward()` on the result, which keeps one value per sample; here the criterion is
# built once by a trainer class and applied in its `train_step` method.
# error: grad can be implicitly created only for scalar outputs
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
        l.backward()  # bug: PTL202
        self.optimizer.step()
        return l.sum().item()


trainer = Trainer(TextClassifier())
for _ in range(2):
    print(trainer.train_step(torch.randint(0, 200, (8, 12)), torch.randint(0, 4, (8,))))
