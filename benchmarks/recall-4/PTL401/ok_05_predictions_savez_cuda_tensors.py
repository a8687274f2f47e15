# Source: https://github.com/facebookresearch/vggt/pull/242
# Pattern: the PR's fix: every tensor (and list of tensors) of the predictions is moved to the CPU and
# converted before `np.savez`.
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
for key, value in predictions.items():
    if isinstance(value, list):
        predictions[key] = [v.cpu().numpy() for v in value]
    elif isinstance(value, torch.Tensor):
        predictions[key] = value.cpu().numpy()
np.savez(prediction_save_path, **predictions)
print(os.path.getsize(prediction_save_path))
