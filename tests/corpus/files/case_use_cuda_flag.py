# Old-style `use_cuda` flag: tensors are moved conditionally, so they may be on the GPU when
# converted for NumPy.
import numpy as np
import torch
import torch.nn as nn

use_cuda = torch.cuda.is_available()
net = nn.Linear(8, 3)
if use_cuda:
    net.cuda()


def predict(batch):
    x = torch.from_numpy(batch).float()
    if use_cuda:
        x = x.cuda()
    scores = torch.softmax(net(x), dim=1)
    return scores.detach().numpy()  # expect: PTL401


def predict_safe(batch):
    x = torch.from_numpy(batch).float()
    x = x.cuda() if use_cuda else x
    scores = torch.softmax(net(x), dim=1)
    return scores.detach().cpu().numpy()


print(predict(np.random.rand(4, 8)).shape, predict_safe(np.random.rand(4, 8)).shape)
