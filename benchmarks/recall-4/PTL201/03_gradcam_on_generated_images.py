# Source: https://github.com/jacobgil/pytorch-grad-cam/issues/417
# Pattern: a class-activation map is computed on images of a trained GAN: the script generates a
# batch once with `x_fake = netG(z_noise)` and then runs the CAM object on each generated image in
# turn; every CAM call backwards the discriminator's score into the image, and through it into the
# generator graph, which the first call freed (anomaly mode named the generator's Tanh).
# error: Trying to backward through the graph a second time
import torch
from torch import nn


class Generator(nn.Module):
    def __init__(self, nz=8):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(nz, 3 * 8 * 8), nn.Tanh())

    def forward(self, x):
        return self.main(x).view(-1, 3, 8, 8)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.LeakyReLU(0.2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(8 * 8 * 8, 1))

    def forward(self, x):
        return self.classifier(self.features(x))


class GradCAM:
    def __init__(self, model, target_layer):
        self.model = model
        self.activations = None
        self.gradients = None
        target_layer.register_forward_hook(self.save_activation)

    def save_activation(self, module, inputs, output):
        self.activations = output
        output.register_hook(self.save_gradient)

    def save_gradient(self, grad):
        self.gradients = grad

    def __call__(self, input_tensor):
        score = self.model(input_tensor)[:, 0].sum()
        self.model.zero_grad()
        score.backward()  # bug: PTL201
        weights = self.gradients.mean(dim=(2, 3), keepdim=True)
        cam = torch.relu((weights * self.activations).sum(1))
        return cam.detach()


netG, netD = Generator(), Discriminator()
z_noise = torch.randn(4, 8)
x_fake = netG(z_noise)
cam = GradCAM(netD, netD.features)
maps = [cam(x_fake[i : i + 1]) for i in range(x_fake.size(0))]
print([m.shape for m in maps])
