# Source: https://github.com/dillondavis/RecurrentAttentionConvolutionalNeuralNetwork/issues/4
# Pattern: a pairwise ranking loss between two attention scales returns one value per sample; it only
# worked with batch size 1, and with a batch of 32 its backward() fails.
# error: grad can be implicitly created only for scalar outputs
import torch
import torch.nn.functional as F
from torch import nn


def rank_loss(scores1, scores2, target, margin=0.05):
    p1 = F.softmax(scores1, dim=1).gather(1, target.view(-1, 1))
    p2 = F.softmax(scores2, dim=1).gather(1, target.view(-1, 1))
    return torch.clamp(p1 - p2 + margin, min=0)


class Manager:
    def __init__(self, model, batch_size=32):
        self.model = model
        self.batch_size = batch_size
        self.criterion_rank = rank_loss

    def do_batch(self, optimizer, batch, label):
        scores = [self.model[0](batch), self.model[1](batch)]
        optimizer.zero_grad()
        for i in range(1, len(scores)):
            self.criterion_rank(scores[i - 1], scores[i], label).backward(retain_graph=True)  # bug: PTL202
        optimizer.step()


scales = nn.ModuleList([nn.Linear(10, 4), nn.Linear(10, 4)])
manager = Manager(scales)
opt = torch.optim.SGD(scales.parameters(), lr=0.01)
manager.do_batch(opt, torch.randn(32, 10), torch.randint(0, 4, (32,)))
