# Source: https://github.com/cybertronai/autograd-hacks/issues/7
# Pattern: per-example gradients with autograd-hacks-style hooks (`add_hooks`, `compute_grad1`): the
# user's model outputs a vector per example and the helper backwards the model output itself, where
# the library's examples backward a scalar loss.
# error: grad can be implicitly created only for scalar outputs
import torch
from torch import nn

_supported_layers = (nn.Linear,)


def add_hooks(model):
    def capture_activations(layer, input, output):
        layer.activations = input[0].detach()

    def capture_backprops(layer, grad_input, grad_output):
        layer.backprops = grad_output[0].detach()

    for layer in model.modules():
        if isinstance(layer, _supported_layers):
            layer.register_forward_hook(capture_activations)
            layer.register_full_backward_hook(capture_backprops)


def compute_grad1(model):
    for layer in model.modules():
        if isinstance(layer, _supported_layers):
            n = layer.activations.shape[0]
            layer.weight.grad1 = torch.einsum("ni,nj->nij", layer.backprops * n, layer.activations)
            layer.bias.grad1 = layer.backprops * n


def per_example_grads(model, data):
    model.zero_grad()
    output = model(data)
    output.backward()  # bug: PTL202
    compute_grad1(model)
    return [p.grad1 for p in model.parameters()]


model = nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, 4))
add_hooks(model)
grads = per_example_grads(model, torch.randn(8, 10))
print([g.shape for g in grads])
