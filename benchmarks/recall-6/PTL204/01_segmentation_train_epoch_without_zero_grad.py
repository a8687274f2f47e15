# Source: https://github.com/Project-MONAI/research-contributions/issues/392
# Pattern: the tutorial's `train_epoch(model, loader, optimizer, epoch, loss_func)` runs forward, loss,
#   `loss.backward()`, `optimizer.step()` for every batch and never calls `optimizer.zero_grad()` ("in your colab
#   tutorial don't have optimizer.zero_grad()"), so each step applies the sum of all earlier gradients
# error: the gradient of the last step is not the last batch's own gradient
# symptom: the check at the end (plain SGD lets it rebuild the weights before the last step and recompute
#   the last batch's gradient there)
import time

import torch
import torch.nn as nn
from torch.func import functional_call

torch.manual_seed(0)
lr, batch_size, max_epochs = 0.05, 2, 2


class AverageMeter:
    def __init__(self):
        self.sum, self.count, self.avg = 0.0, 0, 0.0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


def dice_ce_loss(logits, target):
    ce = nn.functional.cross_entropy(logits, target)
    probs = logits.softmax(dim=1)[:, 1]
    fg = (target == 1).float()
    dice = 1 - (2 * (probs * fg).sum() + 1e-5) / (probs.sum() + fg.sum() + 1e-5)
    return ce + dice


def train_epoch(model, loader, optimizer, epoch, loss_func):
    model.train()
    start_time = time.time()
    run_loss = AverageMeter()
    for idx, batch_data in enumerate(loader):
        data, target = batch_data["image"], batch_data["label"]
        logits = model(data)
        loss = loss_func(logits, target)
        loss.backward()
        optimizer.step()  # bug: PTL204
        run_loss.update(loss.item(), n=batch_size)
        print(
            f"Epoch {epoch}/{max_epochs} {idx}/{len(loader)}",
            f"loss: {run_loss.avg:.4f}",
            f"time {time.time() - start_time:.2f}s",
        )
        start_time = time.time()
    return run_loss.avg


model = nn.Sequential(nn.Conv3d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv3d(4, 2, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
loader = [{"image": torch.randn(batch_size, 1, 8, 8, 8), "label": torch.randint(0, 2, (batch_size, 8, 8, 8))}] * 3
for epoch in range(max_epochs):
    train_epoch(model, loader, optimizer, epoch, dice_ce_loss)

# check: the last step must have used the last batch's gradient only
last = loader[-1]
before = {n: (p + lr * p.grad).detach().requires_grad_() for n, p in model.named_parameters()}
own = torch.autograd.grad(
    dice_ce_loss(functional_call(model, before, (last["image"],)), last["label"]), list(before.values())
)
for (name, p), g in zip(model.named_parameters(), own):
    if not torch.allclose(p.grad, g, atol=1e-6):
        raise RuntimeError("the gradient of the last step is not the last batch's own gradient")
