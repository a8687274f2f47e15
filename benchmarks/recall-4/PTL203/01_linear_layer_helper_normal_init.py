# Source: https://github.com/coarse-graining/cgnet/issues/77
# Pattern: the library's `LinearLayer` helper builds an `nn.Linear` plus activation and dropout and
# initialises the weight according to `weight_init`; the issue notes the initialisation is not
# wrapped in `torch.no_grad()` (the default xavier init goes through `nn.init`, which is; a
# weight initialised in place by the helper itself, here the "normal" option, is not).
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch
from torch import nn


def LinearLayer(d_in, d_out, bias=True, activation=None, dropout=0, weight_init="xavier", weight_init_args=None):
    weight_init_args = weight_init_args or {}
    layer = nn.Linear(d_in, d_out, bias=bias)
    if weight_init == "xavier":
        nn.init.xavier_uniform_(layer.weight)
    elif weight_init == "normal":
        layer.weight.normal_(0.0, weight_init_args.get("std", 0.1))  # bug: PTL203
    seq = [layer]
    if activation is not None:
        seq.append(activation)
    if dropout:
        seq.append(nn.Dropout(dropout))
    return seq


class CGnet(nn.Module):
    def __init__(self, n_beads=5, width=16):
        super().__init__()
        layers = LinearLayer(
            n_beads * 3, width, activation=nn.Tanh(), weight_init="normal", weight_init_args={"std": 0.05}
        )
        layers += LinearLayer(width, 1, weight_init="normal")
        self.arch = nn.Sequential(*layers)

    def forward(self, coords):
        return self.arch(coords.flatten(1))


model = CGnet()
print(model(torch.randn(4, 5, 3)).shape)
