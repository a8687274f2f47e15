# Segmentation visualisation helpers. `to_image` receives tensors straight from the model on
# the selected device; `mask_to_numpy` is always handed CPU tensors.
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class TinyUNet(nn.Module):
    def __init__(self, n_classes=3):
        super().__init__()
        self.enc = nn.Conv2d(3, 16, 3, padding=1)
        self.dec = nn.Conv2d(16, n_classes, 3, padding=1)

    def forward(self, x):
        return self.dec(torch.relu(self.enc(x)))


def to_image(t):
    return t.permute(1, 2, 0).numpy()  # expect: PTL401


def mask_to_numpy(mask):
    return mask.numpy().astype(np.uint8)


def show(model, images):
    model.eval()
    with torch.no_grad():
        images = images.to(device)
        logits = model(images)
    pred = logits.argmax(1)
    fig, axes = plt.subplots(len(images), 2)
    for i in range(len(images)):
        axes[i, 0].imshow(to_image(images[i]))
        axes[i, 1].imshow(mask_to_numpy(pred[i].cpu()))
    fig.savefig("pred.png")


model = TinyUNet().to(device)
show(model, torch.rand(4, 3, 64, 64))
