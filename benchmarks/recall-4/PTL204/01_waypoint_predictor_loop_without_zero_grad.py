# Source: https://github.com/wz0919/waypoint-predictor/issues/4
# Pattern: the waypoint predictor's training loop computes the heatmap loss, calls
# `loss.backward()` and `optimizer.step()` for every batch, and never clears the gradients
# (the issue asks whether `optimizer.zero_grad()` was left out on purpose).
# error: gradients accumulated across steps
# symptom: the check at the end (the model's .grad is not the last batch's own gradient)
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call


class TRM(nn.Module):
    def __init__(self, feat_dim=16, num_angles=12):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(feat_dim, 32), nn.ReLU())
        self.head = nn.Linear(32, num_angles)

    def forward(self, rgb_feats, depth_feats):
        return self.head(self.encoder(rgb_feats + depth_feats))


def heatmap_loss(logits, target):
    return F.binary_cross_entropy_with_logits(logits, target)


torch.manual_seed(0)
predictor = TRM()
optimizer = torch.optim.SGD(predictor.parameters(), lr=0.05)
lr = 0.05
batches = [(torch.randn(8, 16), torch.randn(8, 16), torch.rand(8, 12).round()) for _ in range(5)]
for epoch in range(2):
    for rgb, depth, target in batches:
        logits = predictor(rgb, depth)
        loss = heatmap_loss(logits, target)
        loss.backward()
        optimizer.step()  # bug: PTL204
    print(epoch, loss.item())

# the weights before the last step (plain SGD: w_prev = w + lr * grad) and the last batch's own gradient there
with torch.no_grad():
    prev = {n: (p + lr * p.grad).requires_grad_() for n, p in predictor.named_parameters()}
rgb, depth, target = batches[-1]
fresh = torch.autograd.grad(heatmap_loss(functional_call(predictor, prev, (rgb, depth)), target), list(prev.values()))
for (name, p), g in zip(predictor.named_parameters(), fresh):
    if not torch.allclose(p.grad, g, rtol=1e-3, atol=1e-6):
        raise AssertionError(f"gradients accumulated across steps ({name})")
