# Source: https://github.com/facebookresearch/nwm/issues/16
# Pattern: a train_step resets the gradients only in the fp32 branch; with bfloat16 enabled the
# gradients accumulate silently.
# error: gradients accumulated across steps
# symptom: the check at the end (the model's .grad is not the last batch's gradient)
import torch
from torch import nn


def train_step(model, opt, x, y, bfloat_enable):
    if bfloat_enable:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = nn.functional.mse_loss(model(x).float(), y)
        loss.backward()
        opt.step()  # bug: PTL204
    else:
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    return loss.item()


model = nn.Linear(5, 1)
opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
batches = [(torch.randn(8, 5), torch.randn(8, 1)) for _ in range(3)]
for x, y in batches:
    train_step(model, opt, x, y, bfloat_enable=True)

x, y = batches[-1]
with torch.autocast("cpu", dtype=torch.bfloat16):
    fresh_loss = nn.functional.mse_loss(model(x).float(), y)
fresh = torch.autograd.grad(fresh_loss, model.weight)[0]
if not torch.allclose(model.weight.grad, fresh, atol=1e-2):
    raise AssertionError("gradients accumulated across steps")
