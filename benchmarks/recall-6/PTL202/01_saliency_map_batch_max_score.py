# Source: https://github.com/sunnynevarekar/pytorch-saliency-maps/issues/1
# Pattern: the notebook's saliency map takes `score, indices = torch.max(preds, 1)` and calls `score.backward()`;
#   with one image `score` has one element, but a helper that maps a whole batch of images gets one score per
#   image and the backward has no scalar to start from
# error: grad can be implicitly created only for scalar outputs
import torch
import torch.nn as nn


def build_classifier(num_classes=5):
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(4),
        nn.Flatten(),
        nn.Linear(8 * 16, num_classes),
    )


def saliency_maps(model, images):
    model.eval()
    images = images.clone().requires_grad_()
    preds = model(images)
    score, indices = torch.max(preds, 1)
    score.backward()  # bug: PTL202
    slc, _ = torch.max(torch.abs(images.grad), dim=1)
    return (slc - slc.min()) / (slc.max() - slc.min()), indices


model = build_classifier()
for p in model.parameters():
    p.requires_grad_(False)
maps, classes = saliency_maps(model, torch.rand(4, 3, 16, 16))
print(maps.shape, classes)
