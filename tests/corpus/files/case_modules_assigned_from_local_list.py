# Building the layers in a local list and then assigning the list itself (instead of wrapping
# it in nn.ModuleList) -- next to the correct wrapped version.
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, channels=(3, 16, 32, 64)):
        super().__init__()
        blocks = []
        for c_in, c_out in zip(channels[:-1], channels[1:]):
            blocks.append(nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)))
        self.blocks = blocks  # expect: PTL301
        self.channels = channels

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


class Decoder(nn.Module):
    def __init__(self, channels=(64, 32, 16, 3)):
        super().__init__()
        ups = [nn.ConvTranspose2d(a, b, 2, stride=2) for a, b in zip(channels[:-1], channels[1:])]
        self.ups = nn.ModuleList(ups)
        self.heads = dict()  # expect: PTL301
        self.heads["rgb"] = nn.Conv2d(3, 3, 1)
        self.convs = tuple(nn.Conv2d(c, c, 3, padding=1) for c in channels[1:])  # expect: PTL301

    def forward(self, x):
        for up, conv in zip(self.ups, self.convs):
            x = conv(torch.relu(up(x)))
        return self.heads["rgb"](x)


enc, dec = Encoder(), Decoder()
print(dec(enc(torch.randn(1, 3, 32, 32))).shape)
