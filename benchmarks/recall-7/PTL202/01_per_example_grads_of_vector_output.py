# Source: https://github.com/cybertronai/autograd-hacks/issues/8
# Pattern: per-example gradients with autograd-hacks' hooks (`add_hooks`, then `backward()`, then `compute_grad1`)
#   on a model whose output is a vector per sample: the user calls `backward()` on the model output ("My model outputs
#   a vector, but I actually only need the grad for one scalar in that vector") and torch raises "grad can be
#   implicitly created only for scalar outputs"; the hooks library is written out below (activations and
#   backpropagated gradients kept per layer)
# error: grad can be implicitly created only for scalar outputs
import torch
import torch.nn as nn

torch.manual_seed(0)


class PerExampleGrads:
    """Keeps each Linear layer's inputs and output gradients to form per-example weight gradients."""

    def __init__(self, model):
        self.layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
        for layer in self.layers:
            layer.register_forward_hook(self._capture_activations)
            layer.register_full_backward_hook(self._capture_backprops)

    @staticmethod
    def _capture_activations(layer, inputs, output):
        layer.activations = inputs[0].detach()

    @staticmethod
    def _capture_backprops(layer, grad_input, grad_output):
        layer.backprops = grad_output[0].detach()

    def compute_grad1(self):
        for layer in self.layers:
            layer.weight.grad1 = torch.einsum("ni,nj->nij", layer.backprops, layer.activations)


class ValueHead(nn.Module):
    """Predicts three quantities per sample (e.g. position, velocity, energy)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(5, 16), nn.Tanh())
        self.out = nn.Linear(16, 3)

    def forward(self, x):
        return self.out(self.body(x))


model = ValueHead()
hooks = PerExampleGrads(model)
data = torch.randn(8, 5)

output = model(data)
output.backward()  # bug: PTL202
hooks.compute_grad1()
print({name: p.grad1.shape for name, p in model.named_parameters() if hasattr(p, "grad1")})
