# Source: https://github.com/D-Robotics-AI-Lab/MODEST/pull/3
# Pattern: "fix two errors when inference using cuda": the depth-estimation inference script moves the model to
#   CUDA but converts its prediction for saving with `.squeeze().numpy()` ("can't convert cuda:0 device type
#   tensor to numpy"); the other error the pull request fixes (the input left on the CPU) is fixed here already
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import argparse

import numpy as np
import torch
import torch.nn as nn


class DepthNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.ReLU(), nn.Conv2d(16, 32, 3, 2, 1), nn.ReLU())
        self.decoder = nn.Sequential(nn.Upsample(scale_factor=4), nn.Conv2d(32, 1, 3, padding=1), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


def load_image(size):
    return np.random.rand(size, size, 3).astype(np.float32)


def main(args):
    device = torch.device("cuda" if torch.cuda.is_available() and not args.cpu else "cpu")
    model = DepthNet().to(device)
    model.eval()
    image = torch.from_numpy(load_image(args.size)).permute(2, 0, 1).unsqueeze(0).to(device)
    with torch.no_grad():
        pred = model(image)
    depth = pred.squeeze().numpy()  # bug: PTL401
    depth_u16 = (depth * args.max_depth * 256).astype(np.uint16)
    print(depth_u16.shape, depth_u16.dtype)


parser = argparse.ArgumentParser()
parser.add_argument("--size", type=int, default=32)
parser.add_argument("--max-depth", type=float, default=10.0)
parser.add_argument("--cpu", action="store_true")
main(parser.parse_args())
