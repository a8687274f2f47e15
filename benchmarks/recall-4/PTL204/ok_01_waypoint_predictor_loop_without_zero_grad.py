# Source: https://github.com/wz0919/waypoint-predictor/issues/4
# Pattern: the reset the issue asks about: `optimizer.zero_grad()` before each backward, so each step uses its
# batch's gradient (the same check at the end passes).
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
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(epoch, loss.item())

# the weights before the last step (plain SGD: w_prev = w + lr * grad) and the last batch's own gradient there
with torch.no_grad():
    prev = {n: (p + lr * p.grad).requires_grad_() for n, p in predictor.named_parameters()}
rgb, depth, target = batches[-1]
fresh = torch.autograd.grad(heatmap_loss(functional_call(predictor, prev, (rgb, depth)), target), list(prev.values()))
for (name, p), g in zip(predictor.named_parameters(), fresh):
    if not torch.allclose(p.grad, g, rtol=1e-3, atol=1e-6):
        raise AssertionError(f"gradients accumulated across steps ({name})")
