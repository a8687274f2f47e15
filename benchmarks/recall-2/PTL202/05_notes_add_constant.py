# Source: https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1 (page "Autograd Error in Python:
# `runtimeerror: grad can be implicitly created only for scalar outputs`")
# Pattern: a learner's autograd notes: `x = torch.ones(2, 2, requires_grad=True)`, `y = x + 2`, then
# `y.backward()` on the 2x2 result.
# error: grad can be implicitly created only for scalar outputs
import torch

x = torch.ones(2, 2, requires_grad=True)
print(x)
y = x + 2
print(y)
print(y.grad_fn)
y.backward()  # bug: PTL202
print(x.grad)
