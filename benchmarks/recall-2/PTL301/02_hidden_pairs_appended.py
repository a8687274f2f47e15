# Source: https://github.com/pytorch/pytorch/issues/715
# Pattern: an NLI classifier builds its hidden layers in a loop, appending a `[Linear, activation]`
# pair per layer to `self.hids = []`; only the classifier is registered.
# error: layers kept in a plain list were never trained
# symptom: the check at the end (the listed layers' weights did not change)
import torch
from torch import nn

options = {"n_layers": 2, "n_hid": 8, "act": "Tanh", "dim_word": 6}


class SNLINet(nn.Module):
    def __init__(self, options):
        super().__init__()
        indim = 2 * options["dim_word"]
        self.hids = []  # bug: PTL301
        for _li in range(options["n_layers"]):
            self.hids.append([nn.Linear(indim, options["n_hid"]), getattr(nn, options["act"])()])
            indim = options["n_hid"]
        self.classifier = nn.Linear(options["n_hid"], 3)

    def forward(self, premise, hypothesis):
        h = torch.cat([premise, hypothesis], dim=1)
        for linear, act in self.hids:
            h = act(linear(h))
        return self.classifier(h)


model = SNLINet(options)
before = model.hids[0][0].weight.detach().clone()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for _ in range(3):
    p, h, y = torch.randn(4, 6), torch.randn(4, 6), torch.randint(0, 3, (4,))
    loss = nn.functional.cross_entropy(model(p, h), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
if torch.equal(before, model.hids[0][0].weight):
    raise AssertionError("layers kept in a plain list were never trained")
