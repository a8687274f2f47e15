# Source: https://github.com/NielsRogge/Transformers-Tutorials/pull/178
# Pattern: attention visualisation for a DETR-like detector: the predicted boxes (model output, grad
# enabled) are rescaled and converted with `.numpy()` for drawing.
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
from torch import nn


class TinyDetector(nn.Module):
    def __init__(self, queries=5):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.bbox = nn.Linear(8, queries * 4)

    def forward(self, pixel_values):
        return {"pred_boxes": self.bbox(self.backbone(pixel_values)).view(-1, 5, 4).sigmoid()}


def rescale_bboxes(out_bbox, size):
    w, h = size
    cx, cy, bw, bh = out_bbox.unbind(-1)
    boxes = torch.stack([cx - 0.5 * bw, cy - 0.5 * bh, cx + 0.5 * bw, cy + 0.5 * bh], dim=-1)
    return boxes * torch.tensor([w, h, w, h], dtype=torch.float32)


model = TinyDetector()
outputs = model(torch.rand(1, 3, 32, 32))
bboxes_scaled = rescale_bboxes(outputs["pred_boxes"][0], (640, 480))
for xmin, ymin, xmax, ymax in bboxes_scaled.numpy():  # bug: PTL402
    print(np.round([xmin, ymin, xmax - xmin, ymax - ymin]))
