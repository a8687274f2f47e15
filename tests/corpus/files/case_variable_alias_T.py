# Polynomial fitting with `import torch as T` and Variable imported under an alias, plus the
# autograd tutorial's manual weight update with .data and .grad.data.zero_().
import torch as T
from torch.autograd import Variable as V  # expect: PTL101

dtype = T.float
N, D_in, H, D_out = 64, 1000, 100, 10

x = V(T.randn(N, D_in, dtype=dtype), requires_grad=False)  # expect: PTL101
y = V(T.randn(N, D_out, dtype=dtype), requires_grad=False)  # expect: PTL101
w1 = V(T.randn(D_in, H, dtype=dtype), requires_grad=True)  # expect: PTL101
w2 = V(T.randn(H, D_out, dtype=dtype), requires_grad=True)  # expect: PTL101

learning_rate = 1e-6
for t in range(500):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())
    loss.backward()
    w1.data -= learning_rate * w1.grad.data  # expect: PTL102
    w2.data -= learning_rate * w2.grad.data  # expect: PTL102
    w1.grad.data.zero_()  # expect: PTL102
    w2.grad.data.zero_()  # expect: PTL102
