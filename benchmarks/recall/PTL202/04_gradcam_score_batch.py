# Source: https://github.com/1Konny/gradcam_plus_plus-pytorch/issues/7
# Pattern: Grad-CAM takes the logit of the predicted class, `logit[:, class_idx]`; with a batch of more
# than one image the score is a vector and score.backward() fails.
# error: grad can be implicitly created only for scalar outputs
import torch
from torch import nn


class GradCAM:
    def __init__(self, model, target_layer):
        self.model = model
        self.activations = {}
        self.gradients = {}
        target_layer.register_forward_hook(self._save_activation)
        target_layer.register_full_backward_hook(self._save_gradient)

    def _save_activation(self, module, inputs, output):
        self.activations["value"] = output

    def _save_gradient(self, module, grad_input, grad_output):
        self.gradients["value"] = grad_output[0]

    def forward(self, images, class_idx=None, retain_graph=False):
        logit = self.model(images)
        if class_idx is None:
            score = logit[:, logit.max(1)[-1]].squeeze()
        else:
            score = logit[:, class_idx].squeeze()
        self.model.zero_grad()
        score.backward(retain_graph=retain_graph)  # bug: PTL202
        weights = self.gradients["value"].mean(dim=(2, 3), keepdim=True)
        return (weights * self.activations["value"]).sum(1).relu()

    __call__ = forward


features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
model = nn.Sequential(features, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
gradcam = GradCAM(model, features)
mask = gradcam(torch.randn(4, 3, 16, 16))
