# Source: https://github.com/jwyang/faster-rcnn.pytorch/pull/420
# Pattern: the detector demo allocates tensor holders once, wraps each of them with
# `Variable(..., volatile=True)`, then for every image resizes and fills the holders and runs the model.
# error: volatile was removed and now has no effect
# warnings-as-errors
import numpy as np
import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101


class FasterRCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Conv2d(3, 4, 3, padding=1)
        self.cls = nn.Linear(4, 3)

    def forward(self, im_data, im_info, gt_boxes, num_boxes):
        feat = self.backbone(im_data).mean(dim=(2, 3))
        return torch.softmax(self.cls(feat), dim=1)


fasterRCNN = FasterRCNN()
fasterRCNN.eval()

# initialise the tensor holders here
im_data = torch.FloatTensor(1)
im_info = torch.FloatTensor(1)
num_boxes = torch.LongTensor(1)
gt_boxes = torch.FloatTensor(1)

# make variables
im_data = Variable(im_data, volatile=True)  # bug: PTL101
im_info = Variable(im_info, volatile=True)  # also: PTL101
num_boxes = Variable(num_boxes, volatile=True)  # also: PTL101
gt_boxes = Variable(gt_boxes, volatile=True)  # also: PTL101

for im_in in [np.random.rand(12, 12, 3).astype(np.float32) for _ in range(2)]:
    im_blob = torch.from_numpy(im_in).permute(2, 0, 1).unsqueeze(0)
    im_data.resize_(im_blob.size()).copy_(im_blob)
    im_info.resize_(1, 3).copy_(torch.tensor([[12.0, 12.0, 1.0]]))
    gt_boxes.resize_(1, 1, 5).zero_()
    num_boxes.resize_(1).zero_()
    cls_prob = fasterRCNN(im_data, im_info, gt_boxes, num_boxes)
    print(cls_prob)
