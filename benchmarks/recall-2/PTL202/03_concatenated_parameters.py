# Source: https://tjhub.jdoodle.com/post/runtimeerror-grad-can-be-implicitly-created-only-for-scalar
# Pattern: the post's example: two tensors that require grad are concatenated and the concatenation
# (six elements) is used as the "loss".
# error: grad can be implicitly created only for scalar outputs
import torch

x = torch.randn(3, requires_grad=True)
y = torch.randn(3, requires_grad=True)
loss = torch.cat([x, y])
loss.backward()  # bug: PTL202
print(x.grad, y.grad)
