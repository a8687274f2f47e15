# Source: https://github.com/Bing-su/dddetailer/issues/19
# Pattern: a detect-and-inpaint extension runs a segmentation detector on the GPU and turns each predicted mask
#   into a uint8 image for the inpainting step with `.numpy()` (the maintainer's fix: "fixed, sorry")
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn


class MaskHead(nn.Module):
    def __init__(self, n_instances=3):
        super().__init__()
        self.conv = nn.Conv2d(3, n_instances, 3, padding=1)
        self.score = nn.Linear(3, n_instances)

    def forward(self, image):
        masks = torch.sigmoid(self.conv(image))[0]
        scores = torch.sigmoid(self.score(image.mean(dim=(2, 3))))[0]
        return {"masks": masks, "scores": scores}


def inference_segm(model, image, conf_thres, device):
    with torch.no_grad():
        result = model(image.to(device))
    keep = result["scores"] >= conf_thres
    segms = result["masks"][keep]
    masks = []
    for segm in segms:
        mask = (segm > 0.5).numpy().astype(np.uint8) * 255  # bug: PTL401
        masks.append(mask)
    return masks


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
detector = MaskHead().to(device).eval()
print(len(inference_segm(detector, torch.rand(1, 3, 32, 32), 0.0, device)))
