# Source: https://discuss.pytorch.org/t/which-is-freed-which-is-not/8636
# Pattern: the thread's second example in a user's shape: a helper fits a linear layer on fixed
# features, but computes `y = torch.sum(layer(features))` once before its loop and calls
# `y.backward()` in every iteration; the first backward frees the graph the next one needs.
# error: Trying to backward through the graph a second time
import torch


def fit_probe(features, steps=100, lr=0.01):
    layer = torch.nn.Linear(features.shape[1], 3)
    optimizer = torch.optim.SGD(layer.parameters(), lr=lr)
    y = torch.sum(layer(features))
    for _ in range(steps):
        optimizer.zero_grad()
        y.backward()  # bug: PTL201
        optimizer.step()
    return layer


features = torch.randn(2, 3)
probe = fit_probe(features)
print(probe.weight)
