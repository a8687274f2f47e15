# Source: https://github.com/Adlik/zen_nas/issues/7
# Pattern: a NAS master network parses its structure string into blocks and keeps them in
# `self.block_list`, a plain Python list, running them in `forward`; the search script moves the
# network to the GPU with `model.cuda(gpu)`, which skips the listed blocks.
# error: Expected all tensors to be on the same device
# symptom: the first listed block's convolution in forward
# device: fake-cuda
import torch
from torch import nn


class ConvKX(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding=kernel_size // 2)

    def forward(self, x):
        return self.conv(x)


class BN(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x):
        return self.bn(x)


def create_netblock_list_from_str(structure):
    block_list, channels = [], 3
    for token in structure.split(";"):
        kind, out_channels, kernel, stride = token.split(",")
        out_channels, kernel, stride = int(out_channels), int(kernel), int(stride)
        block_list.append(ConvKX(channels, out_channels, kernel, stride))
        if kind == "ConvKXBN":
            block_list.append(BN(out_channels))
        channels = out_channels
    return block_list, channels


class PlainNet(nn.Module):
    def __init__(self, plainnet_struct, num_classes=10):
        super().__init__()
        self.block_list, channels = create_netblock_list_from_str(plainnet_struct)  # bug: PTL301
        self.fc_linear = nn.Linear(channels, num_classes)

    def forward(self, x):
        for block in self.block_list:
            x = block(x)
        return self.fc_linear(x.mean(dim=(2, 3)))


gpu = 0 if torch.cuda.is_available() else None
model = PlainNet("ConvKXBN,16,3,2;ConvKXBN,32,3,2;ConvKX,32,1,1")
if gpu is not None:
    torch.cuda.set_device(gpu)
    model = model.cuda(gpu)
x = torch.randn(2, 3, 32, 32)
if gpu is not None:
    x = x.cuda(gpu)
print(model(x).shape)
