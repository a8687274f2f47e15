# Source: https://github.com/w5688414/BFNN/issues/1
# Pattern: a test script evaluates a negative log-likelihood at a range of inputs with a trained
# model, collects the results (tensors with `grad_fn=<NegBackward0>`) in a list, prints it, and
# plots it. (matplotlib is not installed here: `plot` stands in for `plt.plot` and converts its data
# the same way.)
# error: Can't call numpy() on Tensor that requires grad
# symptom: np.atleast_1d inside the plot stand-in
import numpy as np
import torch
from torch import nn


def plot(xs, ys):
    """Stand-in for matplotlib's plt.plot: it checks its data with np.atleast_1d."""
    return np.atleast_1d(xs), np.atleast_1d(ys)  # also: PTL402


class FFBN(nn.Module):
    def __init__(self):
        super().__init__()
        self.mu = nn.Linear(1, 1)
        self.log_sigma = nn.Parameter(torch.zeros(1))

    def nll(self, x, y):
        sigma = self.log_sigma.exp()
        dist = torch.distributions.Normal(self.mu(x), sigma)
        return -dist.log_prob(y).sum()


model = FFBN()
xs = np.linspace(0.1, 0.9, 9)
energies = []
for v in xs:
    x = torch.tensor([[v]], dtype=torch.float32)
    energies.append(model.nll(x, torch.tensor([[0.0]])))
print(energies)
plot(xs, energies)  # bug: PTL402
