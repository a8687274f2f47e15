# Source: https://github.com/wangyida/softpool/issues/11
# Pattern: a point-cloud pooling module creates its four `nn.Conv2d` layers inside `forward`, sized
# from the input, and moves them to the GPU there; the reporter spent days finding why the convs'
# weights were never in the checkpoint: they are new random layers on every call, not trained.
# error: the layer built in forward gives a different output on every call
# symptom: the check at the end (two eval-mode calls on the same input differ)
import torch
from torch import nn


class SoftPool(nn.Module):
    def __init__(self, regions=4, cabins=8, sp_ratio=2):
        super().__init__()
        self.regions = regions
        self.num_cabin = cabins
        self.sp_ratio = sp_ratio

    def forward(self, x):
        size_bth, size_feat, pnt_per_sort = x.shape
        pnt_per_sort //= self.sp_ratio
        device = x.device
        conv2d_1 = nn.Conv2d(size_feat, size_feat, kernel_size=(1, 3), stride=(1, 1)).to(device)  # bug: PTL304
        conv2d_2 = nn.Conv2d(size_feat, size_feat, kernel_size=(1, 3), stride=(1, 1)).to(device)  # also: PTL304
        sorted_feat = x.sort(dim=-1, descending=True)[0][:, :, : self.regions * self.num_cabin]
        cabins = sorted_feat.view(size_bth, size_feat, self.regions, self.num_cabin)
        out = conv2d_2(torch.relu(conv2d_1(cabins)))
        return out.max(dim=-1)[0]


class PointEncoder(nn.Module):
    def __init__(self, feat=8):
        super().__init__()
        self.mlp = nn.Conv1d(3, feat, 1)
        self.pool = SoftPool()

    def forward(self, points):
        return self.pool(torch.relu(self.mlp(points)))


model = PointEncoder().eval()
points = torch.randn(2, 3, 64)
with torch.no_grad():
    first, second = model(points), model(points)
if not torch.allclose(first, second):
    raise AssertionError("the layer built in forward gives a different output on every call")
