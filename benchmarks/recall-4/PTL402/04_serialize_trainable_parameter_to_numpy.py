# Source: https://github.com/deepmodeling/deepmd-kit/pull/5566
# Pattern: a model's `serialize()` exports every weight through a helper `to_numpy_array(x)` that
# calls `np.asarray(x)`; for a trainable `nn.Parameter` (requires grad) the conversion fails. The
# PR detaches tensors that require grad before converting.
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
from torch import nn


def to_numpy_array(x):
    if x is None:
        return None
    return np.asarray(x)  # bug: PTL402


class EmbeddingNet(nn.Module):
    def __init__(self, in_dim=4, neurons=(8, 8)):
        super().__init__()
        dims = (in_dim,) + tuple(neurons)
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(dims, dims[1:])])
        self.bias_atom_e = nn.Parameter(torch.zeros(2))

    def serialize(self):
        return {
            "layers": [{"w": to_numpy_array(l.weight), "b": to_numpy_array(l.bias)} for l in self.layers],
            "bias_atom_e": to_numpy_array(self.bias_atom_e),
        }


net = EmbeddingNet()
data = net.serialize()
print([layer["w"].shape for layer in data["layers"]])
