# Source: https://github.com/pytorch/pytorch/issues/7860
# Pattern: the `.data` vs `.detach()` question: a value saved for backward (the output of `exp`) is changed in
#   place through `.data`; autograd does not see the change and computes the gradient from the changed values,
#   silently wrong, where `.detach()` would have made it raise
# error: gradient through the .data clamp differs from the recorded clamp
# symptom: the check at the end (the gradient is compared with the one of the same clamp written so that
#   autograd records it)
import torch
import torch.nn as nn


class CappedAttention(nn.Module):
    def __init__(self, dim, cap=2.0):
        super().__init__()
        self.score = nn.Linear(dim, 1)
        self.cap = cap

    def forward(self, x):
        weights = torch.exp(self.score(x))
        weights.data.clamp_(max=self.cap)  # bug: PTL102
        return (weights * x).sum(0) / weights.sum()


torch.manual_seed(0)
model = CappedAttention(4)
with torch.no_grad():
    model.score.bias.fill_(1.5)
x = torch.randn(6, 4)
model(x).sum().backward()
grad = model.score.weight.grad.clone()

# the same computation with the clamp recorded by autograd
model.zero_grad()
w = torch.clamp(torch.exp(model.score(x)), max=model.cap)
((w * x).sum(0) / w.sum()).sum().backward()
if not torch.allclose(grad, model.score.weight.grad):
    raise RuntimeError("gradient through the .data clamp differs from the recorded clamp")
