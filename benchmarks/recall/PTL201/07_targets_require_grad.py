# Source: https://github.com/zhangyu2234/Deep-learning-by-hand (notebook "Problems" section)
# Pattern: synthetic targets are computed from "true" weights that were created with requires_grad=True,
# so every mini-batch loss backpropagates into the shared graph that produced the targets.
# error: Trying to backward through the graph a second time
import torch


def data_iter(batch_size, features, labels):
    for i in range(0, len(features), batch_size):
        yield features[i : i + batch_size], labels[i : i + batch_size]


def linreg(X, w, b):
    return X @ w + b


def squared_loss(y_hat, y):
    return ((y_hat - y) ** 2 / 2).sum()


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


num_examples = 100
true_w = torch.tensor([[2.0], [-3.4]], requires_grad=True)
true_b = torch.tensor(4.2, requires_grad=True)
features = torch.randn(num_examples, 2)
labels = features @ true_w + true_b

w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for _epoch in range(2):
    for X, y in data_iter(10, features, labels):
        loss = squared_loss(linreg(X, w, b), y)
        loss.backward()  # bug: PTL201
        sgd([w, b], 0.03, 10)
