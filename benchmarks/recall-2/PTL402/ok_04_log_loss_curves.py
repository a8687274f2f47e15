# Source: https://github.com/source-separation/tutorial/issues/28
# Pattern: the fix: keep plain numbers in the loss history (`loss.item()`).
import numpy as np
import torch

LEARNING_RATES = [1e-3, 1e-2, 1e-1]
N_ITERATIONS = 5
x = torch.randn(32, 4)
y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0])

grad_norms, losses = [], []
for lr in LEARNING_RATES:
    w = torch.zeros(4, requires_grad=True)
    run_losses, run_norms = [], []
    for _i in range(N_ITERATIONS):
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        run_losses.append(loss.item())
        run_norms.append(w.grad.norm().item())
        with torch.no_grad():
            w -= lr * w.grad
            w.grad.zero_()
    losses.append(run_losses)
    grad_norms.append(run_norms)

for j, lr in enumerate(LEARNING_RATES):
    curve = np.log10(losses[j])
    print(f"Learning rate: {lr}", curve[-1])
