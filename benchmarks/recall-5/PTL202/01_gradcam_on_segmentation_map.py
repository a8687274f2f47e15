# Source: https://github.com/ramprs/grad-cam/issues/26
# Pattern: Grad-CAM on a U-Net trained for VOC segmentation: the "class score" taken from the model output is a
#   whole map (one value per pixel), and `backward()` on it needs a gradient argument
# error: grad can be implicitly created only for scalar outputs
import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyUNet(nn.Module):
    def __init__(self, n_classes=21):
        super().__init__()
        self.enc = nn.Conv2d(3, 8, 3, padding=1)
        self.mid = nn.Conv2d(8, 16, 3, padding=1)
        self.dec = nn.Conv2d(16 + 8, 8, 3, padding=1)
        self.head = nn.Conv2d(8, n_classes, 1)

    def forward(self, x):
        e = F.relu(self.enc(x))
        m = F.relu(self.mid(F.max_pool2d(e, 2)))
        u = F.interpolate(m, scale_factor=2)
        return self.head(F.relu(self.dec(torch.cat([u, e], 1))))


class GradCAM:
    def __init__(self, model, layer):
        self.model = model
        layer.register_forward_hook(self.save_activation)

    def save_activation(self, module, inputs, output):
        self.activation = output
        output.register_hook(self.save_gradient)

    def save_gradient(self, grad):
        self.gradient = grad

    def __call__(self, image, class_idx):
        self.model.zero_grad()
        out = self.model(image)
        score = out[:, class_idx]
        score.backward()  # bug: PTL202
        weights = self.gradient.mean(dim=(2, 3), keepdim=True)
        return F.relu((weights * self.activation).sum(1))


model = TinyUNet()
cam = GradCAM(model, model.mid)
heatmap = cam(torch.randn(1, 3, 32, 32), class_idx=15)
print(heatmap.shape)
