# Source: https://github.com/snakers4/silero-vad/pull/699
# Pattern: the voice-activity detector's fine-tuning utility trains the decoder head with a loop that calls
#   `loss.backward()` and `optimizer.step()` but never `optimizer.zero_grad()` ("It seems that
#   `optimizer.zero_grad()` is missing, which could cause tuning error")
# error: the gradient of the last step is not the last batch's own gradient
# symptom: the check at the end (plain SGD lets it rebuild the weights before the last step and recompute
#   the last batch's gradient there)
import torch
import torch.nn as nn
from torch.func import functional_call

torch.manual_seed(0)


class AverageMeter:
    def __init__(self):
        self.val = self.avg = self.sum = self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


def train(config, loader, model, criterion, optimizer, device):
    loss_avg = AverageMeter()
    model.train()
    for i, (x, targets, masks) in enumerate(loader):
        x, targets, masks = x.to(device), targets.to(device), masks.to(device)
        probs = model(x).squeeze(-1)
        loss = (criterion(probs, targets) * masks).sum() / masks.sum()
        loss.backward()
        optimizer.step()  # bug: PTL204
        loss_avg.update(loss.item(), masks.sum().item())
    return loss_avg.avg


model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.BCELoss(reduction="none")
loader = [(torch.randn(8, 64), torch.randint(0, 2, (8,)).float(), torch.ones(8)) for _ in range(3)]
for epoch in range(2):
    print(train({}, loader, model, criterion, optimizer, "cpu"))

# check: the last step must have used the last batch's gradient only
x, targets, masks = loader[-1]
before = {n: (p + 0.1 * p.grad).detach().requires_grad_() for n, p in model.named_parameters()}
probs = functional_call(model, before, (x,)).squeeze(-1)
own = torch.autograd.grad((criterion(probs, targets) * masks).sum() / masks.sum(), list(before.values()))
for (name, p), g in zip(model.named_parameters(), own):
    if not torch.allclose(p.grad, g, atol=1e-6):
        raise RuntimeError("the gradient of the last step is not the last batch's own gradient")
