# Source: https://github.com/truera/trulens/pull/49
# Pattern: "fix error with tensor assignment for pytorch 1.8+": an attribution method builds the batch of inputs on
#   the path from a baseline to the input in a tensor created with `requires_grad=True` (the gradients are wanted
#   with respect to it) and fills it by item assignment, which torch 1.8+ refuses ("a view of a leaf Variable that
#   requires grad is being used in an in-place operation"); the PR assigns into a clone; the report names only the
#   failing assignment and its fix, the program follows that description
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn as nn

torch.manual_seed(0)


class IntegratedGradients:
    def __init__(self, model, resolution=8):
        self.model, self.resolution = model, resolution

    def path_inputs(self, x, baseline):
        scaled = torch.zeros((self.resolution, *x.shape), requires_grad=True)
        for i in range(self.resolution):
            alpha = (i + 1) / self.resolution
            scaled[i] = baseline + alpha * (x - baseline)  # bug: PTL203
        return scaled

    def attributions(self, x, target):
        baseline = torch.zeros_like(x)
        scaled = self.path_inputs(x, baseline)
        out = self.model(scaled.view(-1, x.size(-1)))[:, target].sum()
        (grads,) = torch.autograd.grad(out, scaled)
        return (x - baseline) * grads.mean(dim=0)


model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
ig = IntegratedGradients(model)
print(ig.attributions(torch.randn(1, 6), target=2))
