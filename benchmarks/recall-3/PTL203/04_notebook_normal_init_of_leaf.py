# Source: https://github.com/chunhuizhang/bilibili_vlogs
# Pattern: the notebook's example of an in-place operation refused on a leaf: a weight created with
# `torch.FloatTensor(n)`, then `w.requires_grad = True`, is initialised with `w.normal_()`; here the
# initialisation sits in the helper that builds a small hand-written layer.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch


def make_weight(n_in, n_out):
    w = torch.FloatTensor(n_in, n_out)
    w.requires_grad = True
    w.normal_(0, (2.0 / n_in) ** 0.5)  # bug: PTL203
    return w


def forward(x, w1, w2):
    return torch.relu(x @ w1) @ w2


w1, w2 = make_weight(4, 8), make_weight(8, 1)
x = torch.randn(5, 4)
loss = forward(x, w1, w2).pow(2).mean()
loss.backward()
print(w1.grad.shape)
