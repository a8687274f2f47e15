# Source: https://github.com/jokermask/SANet/issues/4
# Pattern: a crowd-counting `validate()` accumulates the squared count error of each patch as a CUDA
# tensor (`(output.sum() - target.sum()) ** 2`) and then takes `np.sqrt(mse / (len(test_loader) *
# patch_num))`, which hands the CUDA tensor to numpy.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
from torch import nn


class SANet(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
        self.decoder = nn.Conv2d(8, 1, 1)

    def forward(self, x):
        return torch.relu(self.decoder(self.encoder(x)))


def validate(val_list, model, patch_num=4):
    print("begin test")
    test_loader = val_list
    model.eval()
    mse = 0
    with torch.no_grad():
        for img, target in test_loader:
            img, target = img.cuda(), target.cuda()
            for patch in img.chunk(patch_num, dim=3):
                output = model(patch)
                mse += (output.sum() - target.sum() / patch_num) ** 2
    mse = np.sqrt(mse / (len(test_loader) * patch_num))  # bug: PTL401
    print(f" * MSE {mse:.3f} ")
    return mse


model = SANet().cuda()
val_list = [(torch.rand(1, 3, 16, 32), torch.rand(1, 1, 16, 32)) for _ in range(2)]
validate(val_list, model)
