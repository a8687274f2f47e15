# Source: https://github.com/IBM/pytorch-seq2seq/issues/149
# Pattern: a text field's numericalize() builds the batch Variable with volatile=not train, so the flag
# depends on the phase.
# error: volatile was removed and now has no effect
# warnings-as-errors
import torch
from torch.autograd import Variable  # also: PTL101


class Field:
    def __init__(self, vocab):
        self.stoi = {w: i for i, w in enumerate(vocab)}

    def numericalize(self, batch, device=None, train=True):
        arr = torch.tensor([[self.stoi[w] for w in ex] for ex in batch])
        if device is not None:
            arr = arr.to(device)
        return Variable(arr, volatile=not train)  # bug: PTL101


field = Field(["<pad>", "a", "b"])
train_batch = field.numericalize([["a", "b"], ["b", "a"]], train=True)
dev_batch = field.numericalize([["a", "a"]], train=False)
