# Source: https://github.com/pytorch/pytorch/issues/4412
# Pattern: the fix: the stacks in an `nn.ModuleList`
# device: fake-cuda
import torch
import torch.nn as nn


class RegionLayer(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.in_channels = in_channels
        self.convs = nn.ModuleList(
            [
                nn.Sequential(
                    nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1),
                    nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1),
                ),
                nn.Sequential(
                    nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1),
                    nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1),
                ),
            ]
        )

    def forward(self, x):
        top, bottom = x.chunk(2, dim=2)
        return torch.cat([self.convs[0](top), self.convs[1](bottom)], dim=2)


class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.region = RegionLayer(8)
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        return self.head(self.region(torch.relu(self.stem(x))))


net = Network()
net.cuda()
out = net(torch.randn(2, 3, 8, 8).cuda())
print(out.shape)
