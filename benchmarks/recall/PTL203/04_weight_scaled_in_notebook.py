# Source: https://github.com/fastai/fastbook/pull/471
# Pattern: the MNIST-basics chapter nudges one weight of a hand-made linear model in place to show how
# predictions change.
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch


def init_params(size, std=1.0):
    return (torch.randn(size) * std).requires_grad_()


weights = init_params((28 * 28, 1))
bias = init_params(1)
train_x = torch.rand(10, 28 * 28)
preds = train_x @ weights + bias
weights[0] *= 1.0001  # bug: PTL203
preds2 = train_x @ weights + bias
print(((preds2 > 0) == (preds > 0)).float().mean())
