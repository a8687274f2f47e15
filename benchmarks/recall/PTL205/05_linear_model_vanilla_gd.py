# Source: https://flisks.com/python-why-do-we-need-to-call-zero-grad-in-pytorch
# Pattern: vanilla gradient descent on two Variables, `W -= learning_rate * W.grad.data`.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch
from torch.autograd import Variable  # also: PTL101


def linear_model(x, W, b):
    return torch.matmul(x, W) + b


data, targets = torch.randn(5, 4), torch.randn(5, 3)
W = Variable(torch.randn(4, 3), requires_grad=True)  # also: PTL101
b = Variable(torch.randn(3), requires_grad=True)  # also: PTL101
learning_rate = 0.01
for sample, target in zip(data, targets):
    output = linear_model(sample, W, b)
    loss = ((output - target) ** 2).sum()
    loss.backward()
    W -= learning_rate * W.grad.data  # bug: PTL205
    b -= learning_rate * b.grad.data  # also: PTL205
    W.grad.data.zero_()
    b.grad.data.zero_()
