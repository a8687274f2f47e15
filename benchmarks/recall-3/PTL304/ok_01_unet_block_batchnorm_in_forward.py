# Source: https://github.com/syuu1987/geekTime-semantic-segmentation/issues/1
# Pattern: the reporter's fix: the block creates its two `nn.BatchNorm2d` layers (and ReLUs) in `__init__`,
# so they are registered, moved with the model and trained.
# device: fake-cuda
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, in_channels, features):
        super().__init__()
        self.features = features
        self.conv1 = nn.Conv2d(in_channels, features, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(features, features, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(num_features=features)
        self.bn2 = nn.BatchNorm2d(num_features=features)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, input):
        x = self.conv1(input)
        x = self.relu(self.bn1(x))
        x = self.conv2(x)
        x = self.relu(self.bn2(x))
        return x


class UNet(nn.Module):
    def __init__(self, in_channels=3, out_channels=2, features=8):
        super().__init__()
        self.encoder = Block(in_channels, features)
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = Block(features, features * 2)
        self.up = nn.ConvTranspose2d(features * 2, features, kernel_size=2, stride=2)
        self.decoder = Block(features * 2, features)
        self.conv = nn.Conv2d(features, out_channels, kernel_size=1)

    def forward(self, x):
        enc = self.encoder(x)
        bottleneck = self.bottleneck(self.pool(enc))
        dec = self.decoder(torch.cat((self.up(bottleneck), enc), dim=1))
        return self.conv(dec)


device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
model = UNet().to(device)
print(model(torch.randn(2, 3, 16, 16).to(device)).shape)
