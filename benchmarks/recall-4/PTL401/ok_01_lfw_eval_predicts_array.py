# Source: https://github.com/clcarwin/sphereface_pytorch/issues/12
# Pattern: the distance is taken to a Python number on the host before it is stored, `cosdistance.item()`, so
# `np.array(predicts)` converts plain floats.
# device: fake-cuda
import numpy as np
import torch
from torch import nn


class SphereNet(nn.Module):
    def __init__(self, feature_dim=16):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.PReLU(8), nn.AdaptiveAvgPool2d(2), nn.Flatten())
        self.fc5 = nn.Linear(8 * 2 * 2, feature_dim)

    def forward(self, x):
        return self.fc5(self.body(x))


def eval_acc(threshold, diff):
    y_predict = np.int32(diff[:, 0] > threshold)
    y_true = np.int32(diff[:, 1])
    return 1.0 * np.count_nonzero(y_true == y_predict) / len(y_true)


net = SphereNet().cuda().eval()
pairs = [(torch.rand(3, 24, 24), torch.rand(3, 24, 24), i % 2) for i in range(6)]
predicts = []
with torch.no_grad():
    for img1, img2, sameflag in pairs:
        imglist = torch.stack([img1, img2]).cuda()
        output = net(imglist)
        f1, f2 = output[0], output[1]
        cosdistance = f1.dot(f2) / (f1.norm() * f2.norm() + 1e-5)
        predicts.append([cosdistance.item(), sameflag])

predicts = np.array(predicts)
print(eval_acc(0.3, predicts.astype(float)))
