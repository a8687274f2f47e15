"""PTL201/PTL203/PTL204/PTL205 facts taught from audit-8 (benchmarks/ecosystem/audit-8.md, G2, G5)
and from issue 11's patterns. Our own programs, each run under torch 2.13: the silent ones run as
written (they print); each reported neighbour raises the error the message names (or, for the
silent-misbehaviour rules, shows the symptom)."""

from __future__ import annotations

from rules_helpers import findings

# -- G2: a graph built before the loop only of nodes that save no tensors -------------------------
# Under torch: runs and prints; CatBackward keeps only the sizes, so the part built before the loop
# is traversed again in every epoch, never freed (gnn-model-explainer's train.py).
_G2_CAT_BEFORE_LOOP = """
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
x = torch.randn(3, 4, requires_grad=True)
for _ in range(2):
    x = torch.cat([x, torch.randn(3, 4, requires_grad=True)])
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    model.zero_grad()
    loss = model(x).pow(2).mean()
    loss.backward()
    opt.step()
print("ran", loss.item())
"""

# Runs and prints: stack, split, flip, reshape and roll keep no tensor either.
_G2_JOINS_AND_SPLITS = """
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
w = torch.randn(6, 4, requires_grad=True)
x = torch.stack(torch.split(w, 3)).flip(0).reshape(6, 4).roll(1, 0)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    model.zero_grad()
    loss = model(x).pow(2).mean()
    loss.backward()
    opt.step()
print("ran", loss.item())
"""

# Raises "Trying to backward through the graph a second time" in the second epoch: the product by
# a constant keeps the constant (MulBackward0), freed by the first backward.
_G2_SCALED_BEFORE_LOOP = """
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
x = torch.randn(3, 4, requires_grad=True)
for _ in range(2):
    x = torch.cat([x, torch.randn(3, 4, requires_grad=True)]) * 2
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    model.zero_grad()
    loss = model(x).pow(2).mean()
    loss.backward()
    opt.step()
print("ran", loss.item())
"""


def test_g2_graph_of_cat_built_before_the_loop_is_silent() -> None:
    assert findings("PTL201", _G2_CAT_BEFORE_LOOP) == []


def test_g2_joins_splits_and_views_before_the_loop_are_silent() -> None:
    assert findings("PTL201", _G2_JOINS_AND_SPLITS) == []


def test_g2_a_node_that_saves_tensors_before_the_loop_is_reported() -> None:
    found = findings("PTL201", _G2_SCALED_BEFORE_LOOP)
    assert [f.line for f in found] == [12]
    assert "built once before the loop" in found[0].message


# -- G5: an attribute rebound by a method of an object of unknown class ---------------------------
# Under torch: runs and prints; each `train_batch` binds a fresh loss to `self.loss_grad`
# (trade-dst's GEM_train.py, whose model class is chosen by name).
_G5_UNKNOWN_CLASS = """
import torch
import torch.nn as nn


class Tracker(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 1)
        self.optimizer = torch.optim.SGD(self.parameters(), lr=0.1)

    def train_batch(self, x):
        self.optimizer.zero_grad()
        self.loss_grad = self.lin(x).pow(2).mean()


model = globals()["Tracker"]()
for step in range(3):
    for i in range(2):
        model.train_batch(torch.randn(8, 4))
        model.loss_grad.backward()
    model.train_batch(torch.randn(8, 4))
    model.loss_grad.backward()
    model.optimizer.step()
print("ran")
"""

# Raises "Trying to backward through the graph a second time" in the second iteration: the class
# is known, and its method does not rebind `loss_grad`.
_G5_KNOWN_CLASS_KEEPS_IT = """
import torch
import torch.nn as nn


class Tracker(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 1)
        self.optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
        self.steps = 0

    def train_batch(self, x):
        self.optimizer.zero_grad()
        self.steps += 1


model = Tracker()
model.loss_grad = model.lin(torch.randn(8, 4)).pow(2).mean()
for step in range(3):
    model.train_batch(torch.randn(8, 4))
    model.loss_grad.backward()
    model.optimizer.step()
print("ran")
"""

# Raises the same: `zero_grad()` (an nn.Module method) never rebinds an attribute, whatever the class.
_G5_UNKNOWN_CLASS_ZERO_GRAD = """
import torch
import torch.nn as nn


class Tracker(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 1)


model = globals()["Tracker"]()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
model.loss_grad = (torch.randn(8, 4, requires_grad=True) * 2).pow(2).mean()
for step in range(3):
    model.zero_grad()
    model.loss_grad.backward()
    optimizer.step()
print("ran")
"""


def test_g5_attribute_after_a_method_of_an_unknown_class_is_silent() -> None:
    assert findings("PTL201", _G5_UNKNOWN_CLASS) == []


def test_g5_known_class_whose_method_keeps_the_attribute_is_reported() -> None:
    assert [f.line for f in findings("PTL201", _G5_KNOWN_CLASS_KEEPS_IT)] == [21]


def test_g5_zero_grad_of_an_unknown_class_keeps_the_attribute() -> None:
    assert [f.line for f in findings("PTL201", _G5_UNKNOWN_CLASS_ZERO_GRAD)] == [16]
