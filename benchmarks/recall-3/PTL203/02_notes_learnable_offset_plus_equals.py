# Source: https://github.com/lhycms/Deep_Learning_Notes
# Pattern: the notes' leaf-variable example in a learner's shape: a trainable offset is created with
# `requires_grad=True` and then shifted in place (`x += 1`) before it is used, which torch refuses
# for a leaf that requires grad.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch


def make_offset(n, shift=1.0):
    offset = torch.zeros(n, requires_grad=True)
    offset += shift  # bug: PTL203
    return offset


def fit(xs, ys, steps=20, lr=0.1):
    offset = make_offset(xs.shape[1])
    for _ in range(steps):
        loss = ((xs + offset - ys) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            offset -= lr * offset.grad
        offset.grad = None
    return offset


xs = torch.randn(16, 3)
print(fit(xs, xs + 2.0))
