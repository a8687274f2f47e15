# Source: https://github.com/feiyuhuahuo/Yolact_minimal/issues/9
# Pattern: a REST service added around an instance-segmentation model calls it without the
#   `with torch.no_grad():` of the repository's `detect.py` (the maintainer's diagnosis), and the drawing
#   helper converts the top-k results with `.cpu().numpy()`
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
import torch.nn as nn


class Yolact(nn.Module):
    def __init__(self, n_classes=4, n_det=6):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.cls = nn.Linear(8, n_det * n_classes)
        self.box = nn.Linear(8, n_det * 4)
        self.n_det, self.n_classes = n_det, n_classes

    def forward(self, img):
        f = self.backbone(img)
        conf = self.cls(f).view(self.n_det, self.n_classes).softmax(-1)
        scores, class_ids = conf.max(-1)
        boxes = self.box(f).view(self.n_det, 4).sigmoid()
        return class_ids, scores, boxes


def draw_img(results, img_origin, visual_top_k=3):
    class_ids, scores, boxes = [x[:visual_top_k].cpu().numpy() for x in results[:3]]  # bug: PTL402
    h, w = img_origin.shape[:2]
    for x0, y0, x1, y1 in (boxes * [w, h, w, h]).astype(int):
        img_origin[y0:y1, x0:x1] //= 2
    return img_origin


def process(net, image):
    img = torch.from_numpy(image).permute(2, 0, 1).float()[None] / 255.0
    results = net(img)
    return draw_img(results, image.copy())


net = Yolact().eval()
print(process(net, np.random.randint(0, 256, (32, 32, 3), dtype=np.uint8)).shape)
