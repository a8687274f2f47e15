# Source: https://github.com/pytorch/pytorch/issues/47175
# Pattern: the bug the feature request describes: `zero_grad()` is called at the beginning of each
# epoch instead of the beginning of each iteration, so within an epoch every `optimizer.step()`
# uses the sum of the gradients of all batches so far; nothing raises. (A reset in a loop around
# the step; the rule's documentation counts such a reset as a reset.)
# error: gradients accumulated across steps
# symptom: the check at the end (the model's .grad is not the last batch's own gradient)
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call


def train_one_epoch(model, optimizer, loader):
    optimizer.zero_grad()
    for inputs, targets in loader:
        loss = F.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()  # bug: PTL204
    return loss.item()


torch.manual_seed(0)
lr = 0.1
model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
loader = [(torch.randn(8, 10), torch.randint(0, 3, (8,))) for _ in range(4)]
for epoch in range(3):
    print(epoch, train_one_epoch(model, optimizer, loader))

# the weights before the last step (plain SGD: w_prev = w + lr * grad) and the last batch's own gradient there
with torch.no_grad():
    prev = {n: (p + lr * p.grad).requires_grad_() for n, p in model.named_parameters()}
inputs, targets = loader[-1]
fresh = torch.autograd.grad(F.cross_entropy(functional_call(model, prev, (inputs,)), targets), list(prev.values()))
for (name, p), g in zip(model.named_parameters(), fresh):
    if not torch.allclose(p.grad, g, rtol=1e-3, atol=1e-6):
        raise AssertionError(f"gradients accumulated across steps ({name})")
