# Source: https://github.com/fastai/fastai/pull/345
# Pattern: an old library's `V(x, volatile=...)` helper wraps arrays in `Variable`; its `predict` asks for
#   `volatile=True`, which PyTorch 0.4 ignores (the PR moved prediction under `torch.no_grad()`)
# error: volatile was removed and now has no effect
# symptom: the warning is raised inside the helper `V` (its `Variable(...)` line), called from the marked line
# warnings-as-errors
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable  # also: PTL101


def T(a):
    return torch.from_numpy(np.ascontiguousarray(a)).float()


def V(x, requires_grad=False, volatile=False):
    return Variable(T(x), requires_grad=requires_grad, volatile=volatile)


class Learner:
    def __init__(self, model):
        self.model = model

    def predict_array(self, arr):
        self.model.eval()
        return self.model(V(arr, volatile=True))  # bug: PTL101


learner = Learner(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)))
preds = learner.predict_array(np.random.rand(5, 4))
print(preds.shape)
