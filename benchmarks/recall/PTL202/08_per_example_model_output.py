# Source: https://github.com/cybertronai/autograd-hacks/issues/7
# Pattern: per-example gradients: the model outputs one value per example and the code calls backward()
# on the model output directly.
# error: grad can be implicitly created only for scalar outputs
import torch
from torch import nn


def build_model(n_in=6):
    return nn.Sequential(nn.Linear(n_in, 12), nn.Tanh(), nn.Linear(12, 1))


model = build_model()
data = torch.randn(5, 6)
output = model(data).squeeze(1)
output.backward()  # bug: PTL202
per_example = [p.grad for p in model.parameters()]
