# Source: https://github.com/truera/trulens/pull/49
# Pattern: fix: the path inputs are written into a plain buffer, and the finished batch is made the leaf that the
#   gradients are taken with respect to
import torch
import torch.nn as nn

torch.manual_seed(0)


class IntegratedGradients:
    def __init__(self, model, resolution=8):
        self.model, self.resolution = model, resolution

    def path_inputs(self, x, baseline):
        scaled = torch.zeros((self.resolution, *x.shape))
        for i in range(self.resolution):
            alpha = (i + 1) / self.resolution
            scaled[i] = baseline + alpha * (x - baseline)
        return scaled.requires_grad_(True)

    def attributions(self, x, target):
        baseline = torch.zeros_like(x)
        scaled = self.path_inputs(x, baseline)
        out = self.model(scaled.view(-1, x.size(-1)))[:, target].sum()
        (grads,) = torch.autograd.grad(out, scaled)
        return (x - baseline) * grads.mean(dim=0)


model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
ig = IntegratedGradients(model)
print(ig.attributions(torch.randn(1, 6), target=2))
