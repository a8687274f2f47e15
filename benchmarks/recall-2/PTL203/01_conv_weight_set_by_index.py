# Source: https://github.com/YutaroOgawa/pytorch_advanced/issues/160
# Pattern: a book's DCGAN chapter illustrates convolution by writing chosen numbers into a small conv
# layer's weight, element by element, then applies it to an input.
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
from torch import nn

print("regular convolution")
m = nn.Conv2d(1, 1, 2, stride=1, bias=False)
m.weight[0, 0, 0, 0] = 1  # bug: PTL203
m.weight[0, 0, 0, 1] = 2  # also: PTL203
m.weight[0, 0, 1, 0] = 3  # also: PTL203
m.weight[0, 0, 1, 1] = 4  # also: PTL203
x = torch.arange(9, dtype=torch.float32).view(1, 1, 3, 3)
print(m(x))
