# Source: https://github.com/pytorch/pytorch/issues/2641
# Pattern: a custom activation module keeps a constant tensor as an attribute and compares the input
# with it in `forward`; `.cuda()` on the network does not move the constant. (The report wrapped the
# constant in a `Variable`, as code did in 2017; here it is a plain tensor.)
# error: Expected all tensors to be on the same device
# symptom: the comparison in forward
# device: fake-cuda
import torch
from torch import nn


class ERelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.constant = torch.zeros(1)  # bug: PTL302

    def forward(self, x):
        return torch.max(x, self.constant) + torch.min(x, self.constant).exp() - 1


net = nn.Sequential(nn.Linear(3, 4), ERelu(), nn.Linear(4, 1))
net.cuda()
print(net(torch.randn(5, 3).cuda()))
