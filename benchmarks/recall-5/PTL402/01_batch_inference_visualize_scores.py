# Source: https://github.com/facebookresearch/detectron2/issues/3102
# Pattern: batch inference through `predictor.model(batch)` (not the predictor itself, which runs under
#   `no_grad`), then visualisation converts the instances' scores and boxes with `.numpy()`
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
import torch.nn as nn


class TinyDetector(nn.Module):
    def __init__(self, n_det=5):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.boxes = nn.Linear(8, n_det * 4)
        self.scores = nn.Linear(8, n_det)
        self.n_det = n_det

    def forward(self, batched_inputs):
        images = torch.stack([d["image"].float() / 255.0 for d in batched_inputs])
        feats = self.backbone(images)
        boxes = self.boxes(feats).view(-1, self.n_det, 4).sigmoid() * images.shape[-1]
        scores = self.scores(feats).sigmoid()
        return [{"pred_boxes": b, "scores": s} for b, s in zip(boxes, scores)]


def draw_instance_predictions(image, instances, score_thresh=0.5):
    scores = instances["scores"].numpy()  # bug: PTL402
    boxes = instances["pred_boxes"].numpy()  # also: PTL402
    canvas = image.copy()
    for (x0, y0, x1, y1), s in zip(boxes.astype(int), scores):
        if s >= score_thresh:
            canvas[y0:y1, x0] = 255
    return canvas


model = TinyDetector().eval()
img_tensor = torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8)
img_batch = [{"image": img_tensor} for _ in range(2)]
outputs = model(img_batch)
vis = draw_instance_predictions(np.zeros((32, 32), dtype=np.uint8), outputs[0])
