# Source: https://github.com/LoreGoetschalckx/GANalyze/issues/7
# Pattern: a "transformer" that learns a direction in a frozen generator's latent space is trained against a
#   frozen assessor's score; the loop backwards and steps every batch but never resets the gradients
#   (the report: "zero_grad is missing"), so each step applies the sum of all earlier gradients
# error: the gradient of the last step is not the last batch's own gradient
# symptom: the check at the end (plain SGD lets it rebuild the weights before the last step and recompute
#   the last batch's gradient there)
import torch
import torch.nn as nn
from torch.func import functional_call

torch.manual_seed(0)
dim_z, batch_size, lr = 8, 16, 0.05


class Transformer(nn.Module):
    def __init__(self, dim_z):
        super().__init__()
        self.w = nn.Parameter(torch.randn(1, dim_z) * 0.01)

    def forward(self, z, alpha):
        return z + alpha * self.w


generator = nn.Sequential(nn.Linear(dim_z, 32), nn.Tanh(), nn.Linear(32, 12)).requires_grad_(False)
assessor = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 1)).requires_grad_(False)
transformer = Transformer(dim_z)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(transformer.parameters(), lr=lr)

for step in range(5):
    z = torch.randn(batch_size, dim_z)
    alpha = torch.rand(batch_size, 1) * 2 - 1
    out_scores = assessor(generator(transformer(z, alpha)))
    with torch.no_grad():
        target_scores = assessor(generator(z)) + alpha
    loss = criterion(out_scores, target_scores)
    loss.backward()
    optimizer.step()  # bug: PTL204

# check: the last step must have used the last batch's gradient only
before = {n: (p + lr * p.grad).detach().requires_grad_() for n, p in transformer.named_parameters()}
last = criterion(assessor(generator(functional_call(transformer, before, (z, alpha)))), target_scores)
own = torch.autograd.grad(last, list(before.values()))
for (name, p), g in zip(transformer.named_parameters(), own):
    if not torch.allclose(p.grad, g, atol=1e-6):
        raise RuntimeError("the gradient of the last step is not the last batch's own gradient")
