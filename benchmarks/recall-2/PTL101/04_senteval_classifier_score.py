# Source: https://github.com/facebookresearch/SentEval/pull/42
# Pattern: the evaluation toolkit's PyTorch classifier scores the dev set batch by batch, wrapping each
# slice of the embeddings as `Variable(devX[i:i + bsize], volatile=True)`.
# error: volatile was removed and now has no effect
# warnings-as-errors
import numpy as np
import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101


class PyTorchClassifier:
    def __init__(self, inputdim, nclasses, batch_size=8):
        self.model = nn.Sequential(nn.Linear(inputdim, nclasses))
        self.batch_size = batch_size

    def score(self, devX, devy):
        self.model.eval()
        correct = 0
        if not isinstance(devX, torch.Tensor):
            devX = torch.FloatTensor(devX)
            devy = torch.LongTensor(devy)
        for i in range(0, len(devX), self.batch_size):
            Xbatch = Variable(devX[i : i + self.batch_size], volatile=True)  # bug: PTL101
            ybatch = Variable(devy[i : i + self.batch_size], volatile=True)  # also: PTL101
            output = self.model(Xbatch)
            pred = output.data.max(1)[1]
            correct += pred.long().eq(ybatch.data.long()).sum().item()
        return 1.0 * correct / len(devX)


clf = PyTorchClassifier(inputdim=6, nclasses=3)
print(clf.score(np.random.rand(20, 6).astype(np.float32), np.random.randint(0, 3, 20)))
