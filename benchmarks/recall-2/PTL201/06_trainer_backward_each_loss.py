# Source: https://github.com/mosaicml/composer/pull/1240
# Pattern: a trainer's microbatch step accepts a model whose loss function returns a tuple of losses
# and calls `backward()` on each of them in turn; the losses share the model's forward graph, which
# the first backward frees.
# error: Trying to backward through the graph a second time
import torch
import torch.nn.functional as F
from torch import nn


class MultiLossModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 8), nn.ReLU())
        self.cls = nn.Linear(8, 3)
        self.reg = nn.Linear(8, 1)

    def forward(self, batch):
        x, _, _ = batch
        h = self.body(x)
        return self.cls(h), self.reg(h)

    def loss(self, outputs, batch):
        logits, value = outputs
        _, y, target = batch
        return F.cross_entropy(logits, y), F.mse_loss(value.squeeze(1), target)


class Trainer:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer

    def _train_microbatch(self, batch):
        outputs = self.model(batch)
        loss = self.model.loss(outputs, batch)
        losses = loss if isinstance(loss, (tuple, list)) else [loss]
        for loss in losses:
            loss.backward()  # bug: PTL201
        return sum(loss.item() for loss in losses)

    def fit(self, batches):
        for batch in batches:
            self.optimizer.zero_grad()
            self._train_microbatch(batch)
            self.optimizer.step()


model = MultiLossModel()
trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1))
trainer.fit([(torch.randn(4, 6), torch.randint(0, 3, (4,)), torch.randn(4)) for _ in range(2)])
