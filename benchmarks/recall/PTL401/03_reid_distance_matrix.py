# Source: https://github.com/JDAI-CV/fast-reid/pull/509
# Pattern: the visualisation demo computes a query-gallery distance matrix from GPU features, then
# sorts it with numpy.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class Predictor:
    def __init__(self, model):
        self.model = model.cuda().eval()

    def __call__(self, images):
        with torch.no_grad():
            return F.normalize(self.model(images.cuda()), dim=1)


predictor = Predictor(nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 4, 32)))
q_feat = predictor(torch.rand(5, 3, 8, 4))
g_feat = predictor(torch.rand(7, 3, 8, 4))
distmat = 1 - torch.mm(q_feat, g_feat.t())
distmat = distmat.numpy()  # bug: PTL401
indices = np.argsort(distmat, axis=1)
