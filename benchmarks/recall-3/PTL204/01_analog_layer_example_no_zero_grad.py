# Source: https://github.com/IBM/aihwkit/issues/446
# Pattern: the library's first examples train an analog layer with its SGD variant:
# `opt = AnalogSGD(model.parameters(), lr=0.1)`, then each epoch computes the MSE loss, backwards
# it and calls `opt.step()`, never `opt.zero_grad()`; the reporter saw the loss fall, then rise
# (aihwkit is not installed: `AnalogLinear` and `AnalogSGD` stand in as a linear layer and plain SGD).
# error: gradients accumulated across steps
# symptom: the check at the end (the layer's .grad is not the last epoch's gradient)
import torch
import torch.nn.functional as F
from torch import nn


class AnalogLinear(nn.Linear):
    pass


class AnalogSGD(torch.optim.SGD):
    def regroup_param_groups(self, model):
        return None


x = torch.Tensor([[0.1, 0.2, 0.4, 0.3], [0.2, 0.1, 0.1, 0.3]])
y = torch.Tensor([[1.0, 0.5], [0.7, 0.3]])

torch.manual_seed(0)
model = AnalogLinear(4, 2)
opt = AnalogSGD(model.parameters(), lr=0.1)
opt.regroup_param_groups(model)

for _epoch in range(10):
    pred = model(x)
    loss = F.mse_loss(pred, y)
    loss.backward()
    opt.step()  # bug: PTL204
    print(f"Loss error: {loss:.16f}")

# the weights before the last step (plain SGD: w_prev = w + lr * grad) and the last epoch's own gradient there
with torch.no_grad():
    w_prev = (model.weight + 0.1 * model.weight.grad).requires_grad_()
    b_prev = model.bias + 0.1 * model.bias.grad
fresh = torch.autograd.grad(F.mse_loss(F.linear(x, w_prev, b_prev), y), w_prev)[0]
if not torch.allclose(model.weight.grad, fresh, rtol=1e-3, atol=1e-6):
    raise AssertionError("gradients accumulated across steps")
