# Source: https://isolution.pro/pl/q/so70246575/funkcja-wsteczna-w-pytorch
# Pattern: the classic tutorial confusion: element-wise square of a 2x3 matrix, then backward() on it
# as if it were a loss (old code wrapped in Variable).
# error: grad can be implicitly created only for scalar outputs
import torch
from torch.autograd import Variable  # also: PTL101

a = Variable(torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), requires_grad=True)  # also: PTL101
out = a * a
out.backward()  # bug: PTL202
print(a.grad)
