# Source: https://discuss.pytorch.org/t/backpropagation-graph-is-reused-while-it-shouldnt/24554
# Pattern: the fix from the thread: `y = t @ a` is recomputed inside the loop
import torch

measure = torch.nn.MSELoss()


def fit_transform(x, steps=3, lr=0.1):
    t = torch.eye(2, dtype=torch.float64, requires_grad=True)
    a = torch.ones(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([t, a], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        y = t @ a
        x_out = t @ (x + y)
        loss = measure(x_out, x)
        loss.backward()
        optimizer.step()
    return t.detach(), a.detach()


print(fit_transform(torch.tensor([1.0, 0.0], dtype=torch.float64)))
