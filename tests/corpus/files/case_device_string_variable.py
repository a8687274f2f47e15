# Feature extraction script with the device as a plain string from the command line.
import argparse

import numpy as np
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--out", default="features.npy")
args = parser.parse_args()
device = "cuda"

encoder = nn.Sequential(nn.Conv1d(1, 8, 5), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten()).to(device)
encoder.eval()
signals = torch.randn(100, 1, 256)
features = []
with torch.no_grad():
    for chunk in signals.split(10):
        feats = encoder(chunk.to(device))
        features.append(feats.numpy())  # expect: PTL401
np.save(args.out, np.concatenate(features))

raw = signals.numpy()
print(raw.shape, np.load(args.out).shape)
