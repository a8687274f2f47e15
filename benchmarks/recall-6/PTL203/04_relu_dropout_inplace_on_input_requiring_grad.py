# Source: https://github.com/pytorch/pytorch/issues/727
# Pattern: an input-gradient experiment feeds a tensor created with `requires_grad=True` straight into
#   `F.relu(x, inplace=True)` followed by an in-place dropout; the in-place ReLU changes the leaf itself
#   ("You can't apply in-place operations to leaf Variables. Just remove the inplace flag")
# error: a leaf Variable that requires grad is being used in an in-place operation
import numpy as np
import torch
import torch.nn.functional as F


def activation_sensitivity(batch, p=0.1):
    x = torch.from_numpy(batch).float().requires_grad_()
    h = F.relu(x, inplace=True)  # bug: PTL203
    h = F.dropout(h, p=p, inplace=True)
    result = torch.sum(h)
    result.backward()
    return x.grad


grad = activation_sensitivity(np.random.randn(4, 6, 10, 10))
print(grad.abs().mean())
