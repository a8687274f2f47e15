# Source: https://discuss.pytorch.org/t/backpropagation-graph-is-reused-while-it-shouldnt/24554
# Pattern: a small fitting routine computes `y = t @ a` once before the loop to save work and uses it in every
#   iteration's loss; the first `loss.backward()` frees the graph of `t @ a`, so the second iteration raises
#   ("What is reused in every iteration is the y tensor")
# error: Trying to backward through the graph a second time
import torch

measure = torch.nn.MSELoss()


def fit_transform(x, steps=3, lr=0.1):
    t = torch.eye(2, dtype=torch.float64, requires_grad=True)
    a = torch.ones(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([t, a], lr=lr)
    y = t @ a
    for _ in range(steps):
        optimizer.zero_grad()
        x_out = t @ (x + y)
        loss = measure(x_out, x)
        loss.backward()  # bug: PTL201
        optimizer.step()
    return t.detach(), a.detach()


print(fit_transform(torch.tensor([1.0, 0.0], dtype=torch.float64)))
