# Source: https://github.com/wenet-e2e/wekws/pull/73
# Pattern: a keyword-spotting Executor class's train() method: forward, loss, backward, gradient
# clipping, step; no zero_grad anywhere.
# error: gradients accumulated across steps
# symptom: the check at the end (the model's .grad is not the last batch's gradient)
import torch
from torch import nn


class Executor:
    def __init__(self):
        self.step = 0

    def train(self, model, optimizer, data_loader, device, args):
        model.train()
        clip = args.get("grad_clip", 50.0)
        for _batch_idx, (feats, target) in enumerate(data_loader):
            feats, target = feats.to(device), target.to(device)
            logits = model(feats)
            loss = nn.functional.binary_cross_entropy_with_logits(logits, target)
            loss.backward()
            grad_norm = nn.utils.clip_grad_norm_(model.parameters(), clip)
            if torch.isfinite(grad_norm):
                optimizer.step()  # bug: PTL204
            self.step += 1


model = nn.Linear(10, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loader = [(torch.randn(4, 10), torch.rand(4, 1)) for _ in range(3)]
Executor().train(model, optimizer, loader, torch.device("cpu"), {"grad_clip": 50.0})

feats, target = loader[-1]
fresh = torch.autograd.grad(nn.functional.binary_cross_entropy_with_logits(model(feats), target), model.weight)[0]
if not torch.allclose(model.weight.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
