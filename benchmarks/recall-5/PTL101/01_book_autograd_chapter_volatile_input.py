# Source: https://github.com/chenyuntc/pytorch-book/issues/70
# Pattern: a book's autograd chapter marks its inference input `volatile=True` so that nothing built on it
#   tracks gradients; since PyTorch 0.4 the flag does nothing and the prediction still builds a graph
# error: volatile was removed and now has no effect
# warnings-as-errors
import torch as t
from torch.autograd import Variable  # also: PTL101

t.manual_seed(0)
w = t.randn(3, 1, requires_grad=True)
b = t.zeros(1, requires_grad=True)


def linear(x):
    return x.mm(w) + b


x_train = t.randn(16, 3)
y_train = x_train.sum(1, keepdim=True)
for _ in range(20):
    loss = ((linear(x_train) - y_train) ** 2).mean()
    loss.backward()
    with t.no_grad():
        w -= 0.1 * w.grad
        b -= 0.1 * b.grad
        w.grad.zero_()
        b.grad.zero_()

# inference: the chapter expects no graph to be built from here on
x_test = Variable(t.randn(4, 3), volatile=True)  # bug: PTL101
y_test = linear(x_test)
print("requires grad at inference:", y_test.requires_grad)
