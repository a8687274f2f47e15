# Source: https://github.com/wengong-jin/hgraph2graph/pull/35
# Fix (the pull request): move the scores to the CPU first.
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
        cand_scores = scores.cpu().numpy()
        return np.argsort(-cand_scores, axis=1)[:, :topk]


model = Decoder().cuda() if torch.cuda.is_available() else Decoder()
device = next(model.parameters()).device
print(model.decode(torch.randn(3, 16, device=device)))
