# Source: https://github.com/pyg-team/pytorch_geometric/issues/681
# Fix (the library's): call the base __init__ first.
import torch.nn.functional as F
from torch import nn


class GAE(nn.Module):
    def __init__(self, encoder, decoder=None):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder


class ARGA(GAE):
    def __init__(self, encoder, discriminator, decoder=None):
        super().__init__(encoder, decoder)
        self.discriminator = discriminator


class Discriminator(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.fc1 = nn.Linear(in_channels, 2 * in_channels)
        self.fc2 = nn.Linear(2 * in_channels, 1)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


model = ARGA(nn.Linear(8, 4), Discriminator(4))
print(model)
