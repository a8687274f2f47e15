# Source: https://www.pythonclear.com/errors/runtimeerror-grad-can-be-implicitly-created-only-for-scalar-outputs/
# Pattern: the element-wise product of two 2-element leaves, backward() on the product.
# error: grad can be implicitly created only for scalar outputs
import torch

x = torch.tensor([5.0, 5.0], requires_grad=True)
y = torch.tensor([8.0, 8.0], requires_grad=True)
A = x * y
A.backward()  # bug: PTL202
print(x.grad, y.grad)
