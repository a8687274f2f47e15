# Source: https://github.com/jacobgil/pytorch-grad-cam/issues/109
# Pattern: a Grad-CAM class that works on a classifier is pointed at the user's segmentation U-Net;
# its `get_loss()` adds `output[i, target_category[i]]` for each image, which for a (N, C, H, W)
# output is a whole score map, and `__call__` backwards it without a gradient.
# error: grad can be implicitly created only for scalar outputs
import numpy as np
import torch
from torch import nn


class ActivationsAndGradients:
    def __init__(self, model, target_layer):
        self.model = model
        self.activations, self.gradients = [], []
        target_layer.register_forward_hook(self.save_activation)
        target_layer.register_full_backward_hook(self.save_gradient)

    def save_activation(self, module, input, output):
        self.activations.append(output.detach())

    def save_gradient(self, module, grad_input, grad_output):
        self.gradients = [grad_output[0].detach()] + self.gradients

    def __call__(self, x):
        self.activations, self.gradients = [], []
        return self.model(x)


class GradCAM:
    def __init__(self, model, target_layer):
        self.model = model.eval()
        self.activations_and_grads = ActivationsAndGradients(model, target_layer)

    @staticmethod
    def get_loss(output, target_category):
        loss = 0
        for i in range(len(target_category)):
            loss = loss + output[i, target_category[i]]
        return loss

    def __call__(self, input_tensor, target_category):
        output = self.activations_and_grads(input_tensor)
        self.model.zero_grad()
        loss = self.get_loss(output, target_category)
        loss.backward(retain_graph=True)  # bug: PTL202
        activations = self.activations_and_grads.activations[-1].numpy()
        grads = self.activations_and_grads.gradients[-1].numpy()
        weights = np.mean(grads, axis=(2, 3))
        cam = np.maximum((weights[:, :, None, None] * activations).sum(axis=1), 0)
        return cam / (cam.max() + 1e-7)


class UNetLike(nn.Module):
    def __init__(self, n_classes=2):
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.target_layer = nn.Conv2d(8, 8, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2)
        self.head = nn.Conv2d(8, n_classes, 1)

    def forward(self, x):
        return self.head(self.up(torch.relu(self.target_layer(self.down(x)))))


model1 = UNetLike()
cam = GradCAM(model=model1, target_layer=model1.target_layer)
mask = cam(torch.randn(1, 3, 16, 16), target_category=[1])
print(mask.shape)
