# Source: https://github.com/inferno-pytorch/inferno/issues/125
# Pattern: a generic trainer's validation loop wraps the batch's inputs and target as
# `Variable(t, volatile=True)` (kept for PyTorch 0.3 compatibility) before applying model and loss.
# error: volatile was removed and now has no effect
# warnings-as-errors
import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101


class Trainer:
    def __init__(self, model, criterion):
        self.model = model
        self.criterion = criterion

    def wrap_batch(self, batch, volatile=False):
        return [Variable(t, volatile=volatile) for t in batch]  # bug: PTL101

    def apply_model_and_loss(self, inputs, target):
        prediction = self.model(*inputs)
        return prediction, self.criterion(prediction, target)

    def validate_for(self, loader):
        self.model.eval()
        losses = []
        for batch in loader:
            batch = self.wrap_batch(batch, volatile=True)
            inputs, target = batch[:-1], batch[-1]
            _, loss = self.apply_model_and_loss(inputs, target)
            losses.append(loss.item())
        return sum(losses) / len(losses)


trainer = Trainer(nn.Linear(5, 2), nn.CrossEntropyLoss())
print(trainer.validate_for([(torch.randn(4, 5), torch.randint(0, 2, (4,))) for _ in range(2)]))
