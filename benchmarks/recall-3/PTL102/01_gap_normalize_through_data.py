# Source: https://github.com/OmidPoursaeed/Generative_Adversarial_Perturbations/issues/4
# Pattern: a generator of adversarial perturbations normalises the colour channels of its output
# with `delta_im.data[:, c] = (delta_im.data[:, c] - mean) / std` inside `normalize_and_scale()`;
# autograd does not record the change, so the generator's gradient misses the 1/std factor (the
# issue: the computed gradient is off by the scale applied through `.data`).
# error: the generator's gradient ignores the normalisation done through .data
# symptom: the check at the end (the gradient differs from the one of the recorded normalisation)
import torch
from torch import nn

mean_arr = [0.485, 0.456, 0.406]
stddev_arr = [0.229, 0.224, 0.225]
mag_in = 10.0


class ResnetGenerator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 3, 3, padding=1), nn.Tanh())

    def forward(self, z):
        return self.net(z)


def normalize_and_scale(delta_im):
    delta_im = delta_im + 1  # now 0..2
    delta_im = delta_im * 0.5  # now 0..1
    for c in range(3):
        delta_im.data[:, c, :, :] = (delta_im.data[:, c, :, :] - mean_arr[c]) / stddev_arr[c]  # bug: PTL102
    for i in range(delta_im.size(0)):
        for ci in range(3):
            l_inf_channel = delta_im[i, ci].detach().abs().max()
            mag_in_scaled_c = mag_in / (255.0 * stddev_arr[ci])
            delta_im[i, ci] = delta_im[i, ci].clone() * min(1.0, mag_in_scaled_c / l_inf_channel.item())
    return delta_im


def recorded_normalize_and_scale(delta_im):
    delta_im = (delta_im + 1) * 0.5
    mean = torch.tensor(mean_arr).view(1, 3, 1, 1)
    std = torch.tensor(stddev_arr).view(1, 3, 1, 1)
    delta_im = (delta_im - mean) / std
    scale = (mag_in / (255.0 * std)) / delta_im.detach().abs().amax(dim=(2, 3), keepdim=True)
    return delta_im * scale.clamp(max=1.0)


torch.manual_seed(0)
netG = ResnetGenerator()
classifier = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 10))
noise = torch.rand(2, 3, 8, 8)
image = torch.rand(2, 3, 8, 8)
target = torch.tensor([3, 7])


def generator_grad(normalize):
    netG.zero_grad()
    delta_im = normalize(netG(noise))
    loss = -nn.functional.cross_entropy(classifier(image + delta_im), target)
    loss.backward()
    return netG.net[0].weight.grad.clone()


got = generator_grad(normalize_and_scale)
expected = generator_grad(recorded_normalize_and_scale)
if not torch.allclose(got, expected, rtol=1e-3, atol=1e-6):
    raise AssertionError("the generator's gradient ignores the normalisation done through .data")
