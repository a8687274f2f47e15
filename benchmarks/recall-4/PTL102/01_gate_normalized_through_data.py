# Source: https://github.com/pytorch/pytorch/issues/6990
# Pattern: the question about `.data` versus `.detach()` and the answer's example: a layer's
# sigmoid output is post-processed in place through `.data` (here: the gates are normalised to
# sum to one by a helper) before the loss is computed; the in-place change is invisible to
# autograd, so the backward of the sigmoid uses the changed values and the gradient is silently
# wrong, where `.detach()` would make autograd raise.
# error: the gradient ignores the change made through .data
# symptom: the check at the end (the gradient differs from the one of the recorded computation)
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
        normalize_(out.data)  # bug: PTL102
        return out


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
