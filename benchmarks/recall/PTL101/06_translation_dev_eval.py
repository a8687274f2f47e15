# Source: https://github.com/ZeweiChu/nmt-seq2seq/issues/1
# Pattern: evaluating a seq2seq model on the dev set: each numpy mini-batch goes through
# Variable(torch.from_numpy(...), volatile=True).long().
# error: volatile was removed and now has no effect
# warnings-as-errors
import numpy as np
import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101


def evaluate(model, data):
    total_loss = 0.0
    for mb_x, mb_y in data:
        mb_x = Variable(torch.from_numpy(mb_x), volatile=True).long()  # bug: PTL101
        mb_out = Variable(torch.from_numpy(mb_y), volatile=True).long()  # also: PTL101
        logits = model(mb_x).transpose(1, 2)
        total_loss += nn.functional.cross_entropy(logits, mb_out).item()
    return total_loss


model = nn.Sequential(nn.Embedding(10, 8), nn.Linear(8, 10))
dev = [(np.random.randint(0, 10, (2, 5)), np.random.randint(0, 10, (2, 5))) for _ in range(2)]
evaluate(model, dev)
