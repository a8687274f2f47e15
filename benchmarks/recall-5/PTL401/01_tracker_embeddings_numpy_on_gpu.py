# Source: https://github.com/Zhongdao/Towards-Realtime-MOT/issues/257
# Pattern: a joint detection-and-embedding tracker runs its model on the GPU and builds one track per detection
#   from the detection row and its appearance embedding with `.numpy()` (the box goes through `.cpu()`, the
#   embedding does not)
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn


class STrack:
    def __init__(self, tlwh, score, feat):
        self.tlwh = np.asarray(tlwh, dtype=np.float32)
        self.score = score
        self.feat = feat / np.linalg.norm(feat)


class JDETracker:
    def __init__(self, model, device, conf_thres=0.0):
        self.model = model.to(device).eval()
        self.device = device
        self.conf_thres = conf_thres

    def update(self, im_blob):
        with torch.no_grad():
            pred = self.model(im_blob.to(self.device))
        dets = pred[pred[:, 4] > self.conf_thres]
        tlbrs = dets[:, :4].cpu().numpy()
        tlwhs = np.concatenate([tlbrs[:, :2], tlbrs[:, 2:] - tlbrs[:, :2]], axis=1)
        return [STrack(t, s, f.numpy()) for t, s, f in zip(tlwhs, dets[:, 4].tolist(), dets[:, 6:])]  # bug: PTL401


class Detector(nn.Module):
    def __init__(self, n_boxes=10, emb_dim=32):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 16 * 16, n_boxes * (6 + emb_dim)))
        self.shape = (n_boxes, 6 + emb_dim)

    def forward(self, x):
        return self.net(x).view(*self.shape).sigmoid()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
tracker = JDETracker(Detector(), device)
tracks = tracker.update(torch.randn(1, 3, 16, 16))
print(len(tracks))
