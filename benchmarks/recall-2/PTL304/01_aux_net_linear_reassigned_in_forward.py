# Source: https://github.com/pytorch/pytorch/issues/921
# Pattern: an auxiliary block inside an `nn.Sequential` creates its `nn.Linear` in `forward` from the
# input's last dimension (`self.linear = nn.Linear(shape[-1], shape[-1])`) on every call, so each call
# gets new random weights (and `state_dict()` lacks the layer until the first forward).
# error: the layer built in forward gives a different output on every call
# symptom: the check at the end (two eval-mode calls on the same input differ)
import torch
from torch import nn


class AuxNet(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, input):
        shape = input.size()
        self.linear = nn.Linear(shape[-1], shape[-1], bias=False)  # bug: PTL304
        return self.linear(input)


class SNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.Conv2d(3, 32, 5, 1, 0, bias=False), nn.Dropout(0.2), AuxNet())

    def forward(self, input):
        return self.main(input)


n = SNet()
print(list(n.state_dict().keys()))
n.eval()
x = torch.randn(2, 3, 16, 16)
with torch.no_grad():
    first, second = n(x), n(x)
print(list(n.state_dict().keys()))
if not torch.allclose(first, second):
    raise AssertionError("the layer built in forward gives a different output on every call")
