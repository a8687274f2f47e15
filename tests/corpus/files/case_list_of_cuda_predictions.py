# Test-time augmentation: predictions for each flipped view are collected on the GPU and
# averaged; the per-view arrays are made with .cpu(), the average is not.
import numpy as np
import torch
import torch.nn as nn

device = torch.device("cuda")
model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 1, 1)).to(device).eval()
images = torch.rand(4, 3, 64, 64)

with torch.no_grad():
    views = [images, images.flip(-1), images.flip(-2)]
    preds = [torch.sigmoid(model(v.to(device))) for v in views]
    preds[1] = preds[1].flip(-1)
    preds[2] = preds[2].flip(-2)
per_view = [p.cpu().numpy() for p in preds]
mean_pred = torch.stack(preds).mean(0)
np.save("tta.npy", mean_pred.numpy())  # expect: PTL401
print(len(per_view), np.stack(per_view).std())
