# Source: https://github.com/riveSunder/yuca/issues/82
# Pattern: a continuous cellular automaton keeps its kernel parameters in one `nn.Parameter` and a setter writes
#   the radius into it; building the model from a config calls the setter after the parameter exists
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn as nn
import torch.nn.functional as F


class CCA(nn.Module):
    def __init__(self, radius=5.0, mu=0.15, sigma=0.015, ca_config=None):
        super().__init__()
        self.kernel_params = nn.Parameter(torch.tensor([radius, mu, sigma]), requires_grad=True)
        if ca_config is not None:
            self.set_kernel_radius(ca_config["radius"])

    def set_kernel_radius(self, radius):
        self.kernel_params[0] = radius  # bug: PTL203

    def forward(self, grid):
        r, mu, sigma = self.kernel_params
        n = int(r.detach()) * 2 + 1
        coords = torch.linspace(-1, 1, n)
        dist = torch.sqrt(coords[:, None] ** 2 + coords[None, :] ** 2)
        kernel = torch.exp(-((dist - 0.5) ** 2) / 0.02)
        kernel = (kernel / kernel.sum())[None, None]
        potential = F.conv2d(grid, kernel, padding=n // 2)
        growth = 2 * torch.exp(-((potential - mu) ** 2) / (2 * sigma**2)) - 1
        return torch.clamp(grid + 0.1 * growth, 0, 1)


ca = CCA(ca_config={"radius": 7.0})
print(ca(torch.rand(1, 1, 32, 32)).shape)
