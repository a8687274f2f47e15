# Source: https://github.com/Bobo-y/flexible-yolov5/issues/111
# Pattern: a YOLOv5-style detection head keeps its decoding grids in plain attributes,
# `self.grid = [torch.zeros(1)] * self.nl` and the same for `self.anchor_grid`, rebuilt in
# `forward` only when the feature-map size changes; the model's constructor runs one forward on the
# CPU to compute the strides, so the grids are built there, and after `.to(device)` the
# evaluation at the same image size reuses the CPU grids. The reporter moved them by hand.
# error: Expected all tensors to be on the same device
# symptom: the box decoding in Detect.forward
# device: fake-cuda
import torch
from torch import nn


class Detect(nn.Module):
    def __init__(self, nc=2, anchors=((10, 13, 16, 30), (30, 61, 62, 45)), ch=(8, 16)):
        super().__init__()
        self.nc = nc
        self.no = nc + 5
        self.nl = len(anchors)
        self.na = len(anchors[0]) // 2
        self.grid = [torch.zeros(1)] * self.nl  # bug: PTL302
        self.anchor_grid = [torch.zeros(1)] * self.nl  # also: PTL302
        self.register_buffer("anchors", torch.tensor(anchors).float().view(self.nl, -1, 2))
        self.m = nn.ModuleList(nn.Conv2d(x, self.no * self.na, 1) for x in ch)
        self.stride = None

    def _make_grid(self, nx, ny, i):
        yv, xv = torch.meshgrid(torch.arange(ny), torch.arange(nx), indexing="ij")
        grid = torch.stack((xv, yv), 2).expand((1, self.na, ny, nx, 2)).float()
        anchor_grid = self.anchors[i].clone().view((1, self.na, 1, 1, 2)).expand((1, self.na, ny, nx, 2))
        return grid, anchor_grid

    def forward(self, x):
        z = []
        for i in range(self.nl):
            x[i] = self.m[i](x[i])
            bs, _, ny, nx = x[i].shape
            x[i] = x[i].view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()
            if not self.training:
                if self.grid[i].shape[2:4] != x[i].shape[2:4]:
                    self.grid[i], self.anchor_grid[i] = self._make_grid(nx, ny, i)
                y = x[i].sigmoid()
                stride = self.stride[i] if self.stride is not None else 1.0
                xy = (y[..., 0:2] * 2 - 0.5 + self.grid[i]) * stride
                wh = (y[..., 2:4] * 2) ** 2 * self.anchor_grid[i]
                z.append(torch.cat((xy, wh, y[..., 4:]), -1).view(bs, -1, self.no))
        return x if self.training else torch.cat(z, 1)


class YOLO(nn.Module):
    def __init__(self, img_size=32):
        super().__init__()
        self.backbone1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.backbone2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.detection = Detect()
        # compute the strides with one forward pass, as the YOLOv5 constructor does
        self.eval()
        with torch.no_grad():
            self.forward(torch.zeros(1, 3, img_size, img_size))
        self.detection.stride = torch.tensor([2.0, 4.0])
        self.train()

    def forward(self, x):
        p1 = torch.relu(self.backbone1(x))
        p2 = torch.relu(self.backbone2(p1))
        return self.detection([p1, p2])


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = YOLO().to(device).eval()
with torch.no_grad():
    print(model(torch.rand(2, 3, 32, 32, device=device)).shape)
