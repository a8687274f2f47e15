# Source: https://github.com/pytorch/pytorch/issues/1291
# Pattern: a three-layer net whose Linear layers are constructed in forward; model.parameters() is empty.
# error: new random weights on every call
# symptom: the check at the end (two calls on the same input differ)
import torch

D_in, H, D_out = 20, 16, 4


class ThreeLayerNet(torch.nn.Module):
    def __init__(self, D_in, H, D_out):
        super().__init__()

    def forward(self, x):
        h_relu = torch.nn.Linear(D_in, H)(x).clamp(min=0)  # bug: PTL304
        h_relu = torch.nn.Linear(H, H)(h_relu).clamp(min=0)  # also: PTL304
        return torch.nn.Linear(H, D_out)(h_relu)  # also: PTL304


model = ThreeLayerNet(D_in, H, D_out)
x = torch.randn(3, D_in)
if not torch.equal(model(x), model(x)):
    raise AssertionError("new random weights on every call")
