# Source: https://github.com/lucidrains/denoising-diffusion-pytorch/issues/109
# Pattern: the data is reshaped for the network by a Conv1d applied once, outside the training loop;
# every iteration then backpropagates through that same conv graph again.
# error: Trying to backward through the graph a second time
import torch
from torch import nn


class Denoiser(nn.Module):
    def __init__(self, channels=4):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(channels, 16, 3, padding=1), nn.ReLU(), nn.Conv1d(16, channels, 3, padding=1)
        )

    def forward(self, x):
        return self.net(x)


raw = torch.randn(8, 1, 32)
to_channels = nn.Conv1d(1, 4, kernel_size=1)
data = to_channels(raw)

model = Denoiser()
opt = torch.optim.Adam(list(model.parameters()) + list(to_channels.parameters()), lr=1e-3)
for _step in range(3):
    noise = torch.randn_like(data)
    loss = (model(data + noise) - data).pow(2).mean()
    opt.zero_grad()
    loss.backward()  # bug: PTL201
    opt.step()
