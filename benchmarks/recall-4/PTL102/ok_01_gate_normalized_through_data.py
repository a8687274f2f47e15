# Source: https://github.com/pytorch/pytorch/issues/6990
# Pattern: the normalisation is written so that autograd records it, `out = out / out.sum(-1, keepdim=True)`,
# and the gradient matches the recorded one (the same check passes).
import torch
from torch import nn


def normalize_(activations):
    activations.div_(activations.sum(-1, keepdim=True))


class Gate(nn.Module):
    def __init__(self, n=6):
        super().__init__()
        self.fc = nn.Linear(n, n)

    def forward(self, x):
        out = torch.sigmoid(self.fc(x))
        return out / out.sum(-1, keepdim=True)


torch.manual_seed(0)
model = Gate()
x = torch.randn(4, 6)
(model(x) * torch.arange(6.0)).sum().backward()
grad_with_data = model.fc.weight.grad.clone()

# the same computation written so that autograd records the normalisation
model.fc.weight.grad = None
out = torch.sigmoid(model.fc(x))
recorded = out / out.sum(-1, keepdim=True)
(recorded * torch.arange(6.0)).sum().backward()
if not torch.allclose(grad_with_data, model.fc.weight.grad):
    raise AssertionError("the gradient ignores the change made through .data")
