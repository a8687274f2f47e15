# Source: https://github.com/wengong-jin/hgraph2graph/pull/35
# Pattern: a decoder on the GPU picks candidate attachments by converting its score tensor with .numpy().
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
from torch import nn


class Decoder(nn.Module):
    def __init__(self, hidden=16, n_cand=5):
        super().__init__()
        self.score = nn.Linear(hidden, n_cand)

    def decode(self, hvec, topk=2):
        with torch.no_grad():
            scores = self.score(hvec)
        cand_scores = scores.numpy()  # bug: PTL401
        return np.argsort(-cand_scores, axis=1)[:, :topk]


model = Decoder().cuda()
print(model.decode(torch.randn(3, 16).cuda()))
