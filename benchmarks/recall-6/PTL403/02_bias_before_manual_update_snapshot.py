# Source: https://github.com/mrdbourke/pytorch-deep-learning/issues/83
# Pattern: "when converting from tensor to numpy they are mapped to same memory location": `np_array =
#   t.numpy()`, then `t += 10` changes `np_array` too. Here a hand-written regression step records the bias
#   before its update with `.detach().numpy()` and logs the update as `after - before`, which is always zero
# error: the logged bias updates are all zero
# symptom: the check at the end (the bias moved during training)
import numpy as np
import torch

torch.manual_seed(0)
X = torch.rand(50, 1)
y = 0.7 * X + 0.3 + 0.01 * torch.randn(50, 1)
weight = torch.randn(1, requires_grad=True)
bias = torch.zeros(1, requires_grad=True)
lr = 0.1
updates = []
for epoch in range(20):
    loss = ((X * weight + bias - y) ** 2).mean()
    loss.backward()
    before = bias.detach().numpy()  # bug: PTL403
    with torch.no_grad():
        weight -= lr * weight.grad
        bias -= lr * bias.grad
        weight.grad.zero_()
        bias.grad.zero_()
    updates.append(bias.detach().numpy() - before)

print(f"bias {bias.item():.3f}, total logged update {np.sum(updates):.3f}")
if bias.item() != 0.0 and np.allclose(updates, 0.0):
    raise RuntimeError("the logged bias updates are all zero")
