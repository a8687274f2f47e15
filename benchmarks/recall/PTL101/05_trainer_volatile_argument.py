# Source: https://github.com/nitrain/nitrain/issues/89
# Pattern: a Keras-like module trainer's batch helper receives a volatile flag and passes it on to
# Variable for the validation batches.
# error: volatile was removed and now has no effect
# warnings-as-errors
import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101


class ModuleTrainer:
    def __init__(self, model):
        self.model = model

    def _get_batch(self, inputs, targets, batch_idx, batch_size, volatile=False):
        rows = slice(batch_idx * batch_size, (batch_idx + 1) * batch_size)
        input_batch = Variable(inputs[rows], volatile=volatile)  # bug: PTL101
        target_batch = Variable(targets[rows], requires_grad=False)  # also: PTL101
        return input_batch, target_batch

    def evaluate(self, inputs, targets, batch_size=2):
        losses = []
        for batch_idx in range(len(inputs) // batch_size):
            x, y = self._get_batch(inputs, targets, batch_idx, batch_size, volatile=True)
            losses.append(nn.functional.mse_loss(self.model(x), y).item())
        return losses


ModuleTrainer(nn.Linear(3, 1)).evaluate(torch.randn(6, 3), torch.randn(6, 1))
