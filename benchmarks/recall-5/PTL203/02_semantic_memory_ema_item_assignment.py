# Source: https://github.com/NeurAI-Lab/SCoMMER/issues/1
# Pattern: a continual-learning method keeps a semantic memory (an EMA copy of the working model) and updates
#   it by writing into the copy's parameters, which are leaves that require grad, outside `no_grad` (the report
#   quotes the "view of a leaf" form of the error; assigning the whole parameter here, torch names the leaf)
# error: a leaf Variable that requires grad is being used in an in-place operation
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class SemanticMemoryLearner:
    def __init__(self, net, decay=0.999, lr=0.03):
        self.net = net
        self.ema_net = copy.deepcopy(net)
        self.decay = decay
        self.opt = torch.optim.SGD(self.net.parameters(), lr=lr)

    def update_semantic_memory(self):
        for ema_param, param in zip(self.ema_net.parameters(), self.net.parameters()):
            ema_param[:] = self.decay * ema_param + (1 - self.decay) * param  # bug: PTL203

    def observe(self, inputs, labels):
        self.opt.zero_grad()
        loss = F.cross_entropy(self.net(inputs), labels)
        loss.backward()
        self.opt.step()
        self.update_semantic_memory()
        return loss.item()


learner = SemanticMemoryLearner(nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 5)))
for _ in range(3):
    learner.observe(torch.randn(8, 10), torch.randint(0, 5, (8,)))
