# Source: https://github.com/allenai/allennlp/issues/4101
# Pattern: a feed-forward module stores its linear layers in an `nn.ModuleList` but its activations
# in a plain list, `self._activations = activations`; with a parametric activation (`nn.PReLU`)
# the activation's parameter is not in `model.parameters()`, so the optimizer never updates it.
# error: layers kept in a plain list were never trained
# symptom: the check at the end (the listed layers' weights did not change)
import torch
import torch.nn.functional as F
from torch import nn


class FeedForward(nn.Module):
    def __init__(self, input_dim, num_layers, hidden_dims, activations, dropout=0.0):
        super().__init__()
        if not isinstance(activations, list):
            activations = [activations] * num_layers
        self._activations = activations  # bug: PTL301
        input_dims = [input_dim] + hidden_dims[:-1]
        self._linear_layers = nn.ModuleList([nn.Linear(i, o) for i, o in zip(input_dims, hidden_dims)])
        self._dropout = nn.ModuleList([nn.Dropout(p=dropout) for _ in range(num_layers)])
        self._output_dim = hidden_dims[-1]

    def forward(self, inputs):
        output = inputs
        for layer, activation, dropout in zip(self._linear_layers, self._activations, self._dropout):
            output = dropout(activation(layer(output)))
        return output


torch.manual_seed(0)
model = FeedForward(8, 2, [16, 4], [nn.PReLU(init=0.1), nn.PReLU(init=0.1)])
before = [act.weight.detach().clone() for act in model._activations]
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(32, 8), torch.randn(32, 4)
for _ in range(10):
    optimizer.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
if all(torch.equal(b, act.weight) for b, act in zip(before, model._activations)):
    raise AssertionError("layers kept in a plain list were never trained")
