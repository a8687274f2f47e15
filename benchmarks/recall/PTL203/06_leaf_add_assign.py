# Source: https://discuss.pytorch.org/t/inplace-operation-changes-is-leaf-attribute/120297
# Pattern: `c += 1` on a freshly created tensor that requires grad.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch

c = torch.randn(10, 3, 2, 32, requires_grad=True)
print(c.is_leaf)
c += 1  # bug: PTL203
