# Source: https://github.com/pytorch/examples/pull/781 (reported in https://github.com/pytorch/examples/pull/779)
# Pattern: the polynomial-regression example fits an `nn.Linear` to random batches with a smooth L1 loss,
# calls `fc.zero_grad()` and `backward()`, then applies the gradients by hand:
# `for param in fc.parameters(): param.add_(-0.1 * param.grad)`.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn.functional as F

POLY_DEGREE = 4
W_target = torch.randn(POLY_DEGREE, 1) * 5
b_target = torch.randn(1) * 5


def make_features(x):
    x = x.unsqueeze(1)
    return torch.cat([x**i for i in range(1, POLY_DEGREE + 1)], 1)


def f(x):
    return x.mm(W_target) + b_target.item()


def get_batch(batch_size=32):
    random = torch.randn(batch_size)
    x = make_features(random)
    y = f(x)
    return x, y


fc = torch.nn.Linear(W_target.size(0), 1)

for _batch_idx in range(1, 4):
    batch_x, batch_y = get_batch()
    fc.zero_grad()
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = output.item()
    output.backward()
    for param in fc.parameters():
        param.add_(-0.1 * param.grad)  # bug: PTL205
    if loss < 1e-3:
        break
