# An nn.Module that keeps plain lists of activation functions, dropout rates, layer sizes,
# forward-hook handles and a dict cache of tensors; its layers are in an nn.ModuleList. Correct.
import torch
import torch.nn as nn
import torch.nn.functional as F


class FlexibleMLP(nn.Module):
    def __init__(self, sizes=(16, 64, 64, 4), activations=("relu", "tanh", None)):
        super().__init__()
        self.sizes = list(sizes)
        self.activations = [getattr(torch, a) if a else (lambda t: t) for a in activations]
        self.dropout_rates = [0.1, 0.1, 0.0]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.cache = {}
        self.hook_handles = []
        self.scale = nn.Parameter(torch.ones(1), requires_grad=False)

    def add_hooks(self):
        for i, layer in enumerate(self.layers):
            self.hook_handles.append(layer.register_forward_hook(
                lambda mod, inp, out, i=i: self.cache.__setitem__(i, out.detach())))

    def forward(self, x):
        for layer, act, p in zip(self.layers, self.activations, self.dropout_rates):
            x = F.dropout(act(layer(x)), p, self.training)
        return x * self.scale


model = FlexibleMLP()
model.add_hooks()
out = model(torch.randn(2, 16))
print(out.shape, {k: v.shape for k, v in model.cache.items()}, len(list(model.parameters())))
