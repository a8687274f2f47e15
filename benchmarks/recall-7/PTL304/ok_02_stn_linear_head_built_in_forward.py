# Source: https://github.com/ultralytics/yolov5/issues/8198
# Pattern: fix: the localisation network pools its features to a fixed size, so its `nn.Linear` head is built once
#   in `__init__` and trained with the rest of the model
# device: fake-cuda
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class STN(nn.Module):
    def __init__(self, c1):
        super().__init__()
        self.localization = nn.Sequential(
            nn.Conv2d(c1, 8, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(), nn.AdaptiveAvgPool2d(4)
        )
        self.fc_loc = nn.Linear(8 * 4 * 4, 6)

    def forward(self, x):
        xs = self.localization(x).flatten(1)
        theta = self.fc_loc(xs).view(-1, 2, 3)
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
