# Source: https://github.com/facebookresearch/vggt/pull/242
# Pattern: a reconstruction demo runs the model on the GPU and saves the dictionary of predictions
# with `np.savez(path, **predictions)`; numpy converts each CUDA tensor and fails. The PR moves the
# tensors (and the lists of tensors) to the CPU before saving.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import os
import tempfile

import numpy as np
import torch
from torch import nn


class VGGT(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        self.depth_head = nn.Conv2d(8, 1, 1)
        self.camera_head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 9))

    def forward(self, images):
        feats = self.backbone(images)
        pose_enc = self.camera_head(feats)
        return {"depth": self.depth_head(feats), "pose_enc": pose_enc, "pose_enc_list": [pose_enc, pose_enc * 0.5]}


def run_model(model, images, device):
    with torch.no_grad():
        predictions = model(images.to(device))
    predictions["images"] = images
    return predictions


device = "cuda" if torch.cuda.is_available() else "cpu"
model = VGGT().to(device).eval()
predictions = run_model(model, torch.rand(2, 3, 16, 16), device)
prediction_save_path = os.path.join(tempfile.mkdtemp(), "predictions.npz")
np.savez(prediction_save_path, **predictions)  # bug: PTL401
print(os.path.getsize(prediction_save_path))
