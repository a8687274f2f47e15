# Source: https://github.com/chenyuntc/simple-faster-rcnn-pytorch/issues/43
# Pattern: a detector's predict() turns each image into a batch of one with
# t.autograd.Variable(..., volatile=True) (torch imported as t).
# error: volatile was removed and now has no effect
# warnings-as-errors
import numpy as np
import torch as t
from torch import nn


def totensor(data):
    return t.from_numpy(np.ascontiguousarray(data))


class FasterRCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.extractor = nn.Conv2d(3, 4, 3, padding=1)

    def predict(self, imgs):
        self.eval()
        outputs = []
        for img in imgs:
            img = t.autograd.Variable(totensor(img).float()[None], volatile=True)  # bug: PTL101
            outputs.append(self.extractor(img).mean().item())
        return outputs


FasterRCNN().predict([np.random.rand(3, 8, 8) for _ in range(2)])
