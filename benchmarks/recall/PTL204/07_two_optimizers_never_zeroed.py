# Source: https://github.com/meta-pytorch/torchforge/pull/71
# Pattern: a trainer keeps one optimizer per model part in a dict and steps each of them after the
# backward; none of them is ever zeroed.
# error: gradients accumulated across steps
# symptom: the check at the end (the head's .grad is not the last batch's gradient)
import torch
from torch import nn

model = nn.ModuleDict({"encoder": nn.Linear(5, 8), "head": nn.Linear(8, 2)})
optimizers = {name: torch.optim.SGD(part.parameters(), lr=0.01) for name, part in model.items()}


def loss_fn(x, y):
    return nn.functional.cross_entropy(model["head"](torch.relu(model["encoder"](x))), y)


batches = [(torch.randn(4, 5), torch.randint(0, 2, (4,))) for _ in range(3)]
for x, y in batches:
    loss = loss_fn(x, y)
    loss.backward()
    for opt in optimizers.values():
        opt.step()  # bug: PTL204

fresh = torch.autograd.grad(loss_fn(*batches[-1]), model["head"].weight)[0]
if not torch.allclose(model["head"].weight.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
