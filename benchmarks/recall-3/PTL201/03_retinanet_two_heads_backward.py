# Source: https://github.com/kuangliu/pytorch-retinanet/issues/38
# Pattern: the model file's `test()` runs RetinaNet once on random images and checks both heads by
# backwarding random gradients into `loc_preds` and then `cls_preds`; both heads sit on the same FPN
# features, so the second backward reaches the part the first one freed.
# error: Trying to backward through the graph a second time
import torch
from torch import nn


class FPN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)

    def forward(self, x):
        c1 = torch.relu(self.conv1(x))
        p2 = torch.relu(self.conv2(c1))
        return [c1, p2]


class RetinaNet(nn.Module):
    num_anchors = 9

    def __init__(self, num_classes=20):
        super().__init__()
        self.fpn = FPN()
        self.num_classes = num_classes
        self.loc_head = self._make_head(self.num_anchors * 4)
        self.cls_head = self._make_head(self.num_anchors * self.num_classes)

    def forward(self, x):
        fms = self.fpn(x)
        loc_preds, cls_preds = [], []
        for fm in fms:
            loc_pred = self.loc_head(fm)
            cls_pred = self.cls_head(fm)
            loc_pred = loc_pred.permute(0, 2, 3, 1).contiguous().view(x.size(0), -1, 4)
            cls_pred = cls_pred.permute(0, 2, 3, 1).contiguous().view(x.size(0), -1, self.num_classes)
            loc_preds.append(loc_pred)
            cls_preds.append(cls_pred)
        return torch.cat(loc_preds, 1), torch.cat(cls_preds, 1)

    def _make_head(self, out_planes):
        return nn.Sequential(
            nn.Conv2d(16, 16, kernel_size=3, stride=1, padding=1),
            nn.ReLU(True),
            nn.Conv2d(16, out_planes, kernel_size=3, stride=1, padding=1),
        )


def test():
    net = RetinaNet()
    loc_preds, cls_preds = net(torch.randn(2, 3, 32, 32))
    print(loc_preds.size())
    print(cls_preds.size())
    loc_grads = torch.randn(loc_preds.size())
    cls_grads = torch.randn(cls_preds.size())
    loc_preds.backward(loc_grads)
    cls_preds.backward(cls_grads)  # bug: PTL201


test()
