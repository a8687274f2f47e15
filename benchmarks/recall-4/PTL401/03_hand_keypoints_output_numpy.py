# Source: https://github.com/Hzzone/pytorch-openpose/pull/16
# Pattern: the hand keypoint estimator moves its model to the GPU when one is there and feeds it the
# image pyramid on the same device, then reads the heatmaps with `self.model(data).numpy()`; the
# PR adds `.cpu()`.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
from torch import nn


class HandPoseModel(nn.Module):
    def __init__(self, num_keypoints=22):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, num_keypoints, 1))

    def forward(self, x):
        return self.net(x)


class Hand:
    def __init__(self):
        self.model = HandPoseModel()
        if torch.cuda.is_available():
            self.model = self.model.cuda()
        self.model.eval()

    def __call__(self, ori_img, scales=(0.5, 1.0)):
        heatmap_avg = np.zeros((ori_img.shape[0], ori_img.shape[1], 22))
        for scale in scales:
            size = int(ori_img.shape[0] * scale)
            im = np.ascontiguousarray(ori_img[:size, :size].transpose(2, 0, 1)[None] / 256 - 0.5)
            data = torch.from_numpy(im).float()
            if torch.cuda.is_available():
                data = data.cuda()
            with torch.no_grad():
                output = self.model(data).numpy()  # bug: PTL401
            heatmap = np.transpose(output[0], (1, 2, 0))
            heatmap_avg[:size, :size] += heatmap / len(scales)
        return heatmap_avg.argmax(-1)


hand_estimation = Hand()
print(hand_estimation(np.random.randint(0, 255, (32, 32, 3)).astype(np.uint8)).shape)
