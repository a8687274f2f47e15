# Source: https://github.com/YutaroOgawa/pytorch_advanced/issues/160
# Pattern: the thread's fix: the weights are written without recording the writes in autograd (here
# under `torch.no_grad()`, the equivalent of the thread's `.data`).
import torch
from torch import nn

print("regular convolution")
m = nn.Conv2d(1, 1, 2, stride=1, bias=False)
with torch.no_grad():
    m.weight[0, 0, 0, 0] = 1
    m.weight[0, 0, 0, 1] = 2
    m.weight[0, 0, 1, 0] = 3
    m.weight[0, 0, 1, 1] = 4
x = torch.arange(9, dtype=torch.float32).view(1, 1, 3, 3)
print(m(x))
