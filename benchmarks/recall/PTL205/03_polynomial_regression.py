# Source: https://github.com/pytorch/examples/issues/782
# Pattern: the polynomial regression example fits a Linear layer and applies the gradient step itself.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn.functional as F

POLY_DEGREE = 4
W_target = torch.randn(POLY_DEGREE, 1) * 5
b_target = torch.randn(1) * 5


def make_features(x):
    x = x.unsqueeze(1)
    return torch.cat([x**i for i in range(1, POLY_DEGREE + 1)], 1)


def get_batch(batch_size=32):
    x = make_features(torch.randn(batch_size))
    return x, x.mm(W_target) + b_target.item()


fc = torch.nn.Linear(W_target.size(0), 1)
for _batch_idx in range(3):
    batch_x, batch_y = get_batch()
    fc.zero_grad()
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    output.backward()
    for param in fc.parameters():
        param.add_(-0.1 * param.grad)  # bug: PTL205
