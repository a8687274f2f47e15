# Source: http://readke.com/c/12263VZ62021.html
# Pattern: the post's `torch.autograd.grad(outputs, inputs)` on a vector output (`b = 3 * a`) without
# `grad_outputs`, in the shape of a training step with an input-gradient penalty: the helper
# differentiates the classifier's logits (one row per sample) with respect to the input batch.
# error: grad can be implicitly created only for scalar outputs
import torch
import torch.nn.functional as F
from torch import nn


def input_gradient_penalty(model, x):
    x = x.clone().requires_grad_(True)
    logits = model(x)
    grads = torch.autograd.grad(outputs=logits, inputs=x, create_graph=True)[0]  # bug: PTL202
    return grads.pow(2).sum(dim=1).mean()


model = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 3))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(3):
    x, y = torch.randn(16, 10), torch.randint(0, 3, (16,))
    loss = F.cross_entropy(model(x), y) + 0.1 * input_gradient_penalty(model, x)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
