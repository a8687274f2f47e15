# Source: https://github.com/pytorch/pytorch/issues/632
# Pattern: "parameters not registered in module": a relational model keeps per-relation aggregation weights as
#   `nn.Parameter`s in a dict of dicts and per-relation linear layers in another dict; neither is registered,
#   so the optimizer built from `model.parameters()` never updates them
# error: the relation layers were never trained
# symptom: the check at the end (the relation weights have the same values after the training steps)
import torch
import torch.nn as nn


class RelationalScorer(nn.Module):
    def __init__(self, numfeatures=8, numrel=4, num_relations=3):
        super().__init__()
        self.waggrs = {}  # also: PTL301
        self.list_relations = {}  # bug: PTL301
        for rel in range(num_relations):
            self.waggrs[rel] = {
                "w": nn.Parameter(1.0 + torch.randn(1, numrel)),
                "b": nn.Parameter(torch.zeros(1, numrel)),
            }
            self.list_relations[rel] = nn.Linear(numfeatures, numrel)
        self.out = nn.Linear(numrel, 1)

    def forward(self, x, rel):
        h = self.list_relations[rel](x) * self.waggrs[rel]["w"] + self.waggrs[rel]["b"]
        return self.out(torch.tanh(h)).squeeze(-1)


model = RelationalScorer()
before = model.list_relations[0].weight.detach().clone()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(5):
    x, y, rel = torch.randn(16, 8), torch.randn(16), step % 3
    optimizer.zero_grad()
    nn.functional.mse_loss(model(x, rel), y).backward()
    optimizer.step()

if torch.equal(model.list_relations[0].weight.detach(), before):
    raise RuntimeError("the relation layers were never trained")
