# Source: https://hao-yiwen.github.io/yiwen-blog-website/en/docs/ai/frameworks/pytorch/common-errors
# Pattern: the update of a hand-made weight written without torch.no_grad(), inside a small fit loop.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch

x = torch.linspace(-1, 1, 20)
y = 3 * x + 0.5
w = torch.zeros(1, requires_grad=True)
lr = 0.1
for _epoch in range(10):
    loss = ((w * x - y) ** 2).mean()
    loss.backward()
    w -= lr * w.grad  # bug: PTL205
    w.grad.zero_()
