# Source: https://github.com/ultralytics/yolov5/issues/8198
# Pattern: a spatial-transformer block added after each YOLOv5 output layer, whose feature size changes with the
#   input image: the user builds the localisation network's `nn.Linear` layers inside `forward` from the current
#   size, so they are new, untrained layers on the CPU at every call, and training on the GPU fails with "found at
#   least two devices, cpu and cuda:0" (the question asks for an alternative to building them in `__init__`)
# error: Expected all tensors to be on the same device
# device: fake-cuda
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class STN(nn.Module):
    def __init__(self, c1):
        super().__init__()
        self.localization = nn.Sequential(nn.Conv2d(c1, 8, 3, padding=1), nn.MaxPool2d(2), nn.ReLU())

    def forward(self, x):
        xs = self.localization(x).flatten(1)
        theta = nn.Linear(xs.size(1), 6)(xs).view(-1, 2, 3)  # bug: PTL304
        grid = F.affine_grid(theta, list(x.size()), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False)


class Detect(nn.Module):
    def __init__(self, c1=4, no=6):
        super().__init__()
        self.stn = STN(c1)
        self.m = nn.Conv2d(c1, no, 1)

    def forward(self, x):
        return self.m(self.stn(x))


device = "cuda" if torch.cuda.is_available() else "cpu"
head = Detect().to(device)
optimizer = torch.optim.SGD(head.parameters(), lr=0.01)
for size in (16, 20):
    feats = torch.randn(2, 4, size, size, device=device)
    loss = head(feats).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"size {size}: loss {loss.item():.4f}")
