# Source: https://github.com/pytorch/pytorch/issues/7860
# Pattern: the fix: clamp out of place, so that autograd records it
import torch
import torch.nn as nn


class CappedAttention(nn.Module):
    def __init__(self, dim, cap=2.0):
        super().__init__()
        self.score = nn.Linear(dim, 1)
        self.cap = cap

    def forward(self, x):
        weights = torch.exp(self.score(x)).clamp(max=self.cap)
        return (weights * x).sum(0) / weights.sum()


torch.manual_seed(0)
model = CappedAttention(4)
with torch.no_grad():
    model.score.bias.fill_(1.5)
x = torch.randn(6, 4)
model(x).sum().backward()
grad = model.score.weight.grad.clone()

model.zero_grad()
w = torch.clamp(torch.exp(model.score(x)), max=model.cap)
((w * x).sum(0) / w.sum()).sum().backward()
if not torch.allclose(grad, model.score.weight.grad):
    raise RuntimeError("gradient through the .data clamp differs from the recorded clamp")
