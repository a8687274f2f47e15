# Source: https://github.com/K-H-Ismail/Dilated-Convolution-with-Learnable-Spacings-PyTorch/pull/8
# Pattern: the kernel constructor of a dilated convolution with learnable spacings builds its index grid
#   `self.IDX` and limits `self.lim` as plain tensors in a helper its `__init__` calls, and `forward` adds them
#   to the learned positions (`P = P + self.lim // 2`): "DCK.IDX and DCK.lim remain initialized on CPU"
# error: Expected all tensors to be on the same device
# symptom: raised in the kernel constructor's `forward`, where the CPU limits meet the CUDA positions
# device: fake-cuda
import torch
import torch.nn as nn


class ConstructKernel2d(nn.Module):
    def __init__(self, out_channels, in_channels, kernel_count, dilated_kernel_size):
        super().__init__()
        self.out_channels, self.in_channels = out_channels, in_channels
        self.kernel_count = kernel_count
        self.dilated_kernel_size = dilated_kernel_size
        self.__init_tmp_variables__()

    def __init_tmp_variables__(self):
        J = torch.arange(0, self.dilated_kernel_size[0])
        I = torch.arange(0, self.dilated_kernel_size[1])  # noqa: E741
        I = I.expand(self.dilated_kernel_size[0], -1)  # noqa: E741
        J = J.expand(self.dilated_kernel_size[1], -1).t()
        self.IDX = torch.stack([J, I]).float()
        self.lim = torch.tensor(self.dilated_kernel_size).float().view(2, 1, 1, 1)  # bug: PTL302

    def forward(self, W, P):
        P = P + self.lim // 2
        X = self.IDX.view(2, 1, 1, 1, *self.dilated_kernel_size) - P.unsqueeze(-1).unsqueeze(-1)
        X = torch.exp(-0.5 * X.pow(2).sum(0))
        return (W.unsqueeze(-1).unsqueeze(-1) * X).sum(2)


class Dcls2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_count=3, dilated_kernel_size=(5, 5)):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_count) * 0.1)
        self.P = nn.Parameter(torch.randn(2, out_channels, in_channels, kernel_count))
        self.DCK = ConstructKernel2d(out_channels, in_channels, kernel_count, dilated_kernel_size)
        self.padding = dilated_kernel_size[0] // 2

    def forward(self, x):
        return nn.functional.conv2d(x, self.DCK(self.weight, self.P), padding=self.padding)


model = nn.Sequential(Dcls2d(3, 4), nn.ReLU(), nn.Conv2d(4, 2, 1)).cuda()
print(model(torch.randn(1, 3, 8, 8).cuda()).shape)
