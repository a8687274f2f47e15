# Source: https://github.com/PingoLH/FCHarDNet/issues/61
# Pattern: folding BatchNorm into the preceding conv for inference: the fused kernel is copied into the
# new conv's weight with a full-slice assignment.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch
from torch import nn


def fuse_bn_recursively(conv, bn):
    std = torch.sqrt(bn.running_var + bn.eps)
    W = conv.weight * (bn.weight / std).view(-1, 1, 1, 1)
    b = bn.bias - bn.running_mean * bn.weight / std
    cconv = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, bias=True)
    cconv.weight[:, :, :, :] = W[:, :, :, :]  # bug: PTL203
    cconv.bias[:] = b  # also: PTL203
    return cconv


block = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8))
block.eval()
fused = fuse_bn_recursively(block[0], block[1])
