# Source: https://github.com/ndif-team/nnsight/pull/126
# Pattern: an intervention that "zeroes" a neuron does it in place on a slice of the layer's weight, a view of a
#   leaf that requires grad (the PR rewrote zeroing with out-of-place tensor functions)
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, d_model=16, d_hidden=64):
        super().__init__()
        self.fc_in = nn.Linear(d_model, d_hidden)
        self.fc_out = nn.Linear(d_hidden, d_model)

    def forward(self, x):
        return self.fc_out(torch.relu(self.fc_in(x)))


def ablate_neurons(mlp, neurons):
    for n in neurons:
        mlp.fc_in.weight[n].zero_()  # bug: PTL203
        mlp.fc_in.bias[n].zero_()  # also: PTL203


mlp = MLP()
x = torch.randn(4, 16)
before = mlp(x)
ablate_neurons(mlp, [3, 17])
after = mlp(x)
print((after - before).abs().max())
