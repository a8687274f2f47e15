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


# -- issue 11: `model.coef -= ...` on an attribute of a plain class of the file ----------------------
# Raises "a leaf Variable that requires grad is being used in an in-place operation": the class
# only ever makes `coef` a fresh leaf that requires grad (a hand-written regression).
_COEF_OF_A_PLAIN_CLASS = """
import torch


class Reg:
    def __init__(self):
        self.coef = torch.zeros(4, requires_grad=True)


model = Reg()
lr = 0.1
for step in range(3):
    loss = (torch.randn(2, 4) @ model.coef).pow(2).mean()
    loss.backward()
    model.coef -= lr * model.coef.grad
"""

# Runs and prints: the update is under no_grad.
_COEF_UPDATED_UNDER_NO_GRAD = """
import torch


class Reg:
    def __init__(self):
        self.coef = torch.zeros(4, requires_grad=True)


model = Reg()
lr = 0.1
for step in range(3):
    loss = (torch.randn(2, 4) @ model.coef).pow(2).mean()
    loss.backward()
    with torch.no_grad():
        model.coef -= lr * model.coef.grad
    model.coef.grad.zero_()
print("ran")
"""

# Runs and prints: a method rebinds `coef` to a product, no longer a leaf; the in-place change of a
# non-leaf is allowed.
_COEF_REBOUND_TO_A_NON_LEAF = """
import torch


class Reg:
    def __init__(self):
        self.coef = torch.zeros(4, requires_grad=True)

    def scaled(self, k):
        self.coef = self.coef * k


model = Reg()
model.scaled(2.0)
lr = 0.1
for step in range(3):
    loss = (torch.randn(2, 4) @ model.coef).pow(2).mean()
    loss.backward(retain_graph=True)
    model.coef -= lr * torch.ones(4)
print("ran")
"""


def test_manual_update_of_a_plain_class_leaf_attribute_is_reported() -> None:
    assert [f.line for f in findings("PTL205", _COEF_OF_A_PLAIN_CLASS)] == [14]


def test_manual_update_of_a_plain_class_leaf_under_no_grad_is_silent() -> None:
    assert findings("PTL205", _COEF_UPDATED_UNDER_NO_GRAD) == []


def test_plain_class_attribute_rebound_to_a_non_leaf_is_silent() -> None:
    assert findings("PTL203", _COEF_REBOUND_TO_A_NON_LEAF) == []
    assert findings("PTL205", _COEF_REBOUND_TO_A_NON_LEAF) == []


# -- issue 11: a GAN's discriminator and generator steps split into methods ---------------------------
# Raises "Trying to backward through the graph a second time" in `backward_G`: `self.fake`'s graph
# was freed by the discriminator's backward, which did not detach it.
_GAN_STEPS_IN_METHODS = """
import torch
import torch.nn as nn


class GAN:
    def __init__(self):
        self.G = nn.Linear(2, 4)
        self.D = nn.Linear(4, 1)
        self.opt_g = torch.optim.Adam(self.G.parameters())
        self.opt_d = torch.optim.Adam(self.D.parameters())

    def forward(self, z):
        self.fake = self.G(z)

    def backward_D(self, real):
        loss_d = self.D(self.fake).mean() - self.D(real).mean()
        loss_d.backward()

    def backward_G(self):
        loss_g = -self.D(self.fake).mean()
        loss_g.backward()

    def optimize(self, z, real):
        self.forward(z)
        self.opt_d.zero_grad()
        self.backward_D(real)
        self.opt_d.step()
        self.opt_g.zero_grad()
        self.backward_G()
        self.opt_g.step()


gan = GAN()
for i in range(2):
    gan.optimize(torch.randn(3, 2), torch.randn(3, 4))
"""

# Raises the same on line 16: the loop names the shared generator output.
_GAN_STEPS_IN_THE_LOOP = """
import torch
import torch.nn as nn

G = nn.Linear(2, 4)
D = nn.Linear(4, 1)
opt_g = torch.optim.Adam(G.parameters())
opt_d = torch.optim.Adam(D.parameters())
for i in range(2):
    fake = G(torch.randn(3, 2))
    opt_d.zero_grad()
    loss_d = D(fake).mean() - D(torch.randn(3, 4)).mean()
    loss_d.backward()
    opt_d.step()
    opt_g.zero_grad()
    loss_g = -D(fake).mean()
    loss_g.backward()
    opt_g.step()
"""


def test_gan_steps_split_into_methods_are_reported_without_naming_the_loss_as_shared() -> None:
    found = findings("PTL201", _GAN_STEPS_IN_METHODS)
    assert [f.line for f in found] == [21]
    assert "`loss_g`" not in found[0].message
    assert "shared subgraph" in found[0].message


def test_gan_steps_in_the_loop_name_the_generator_output() -> None:
    found = findings("PTL201", _GAN_STEPS_IN_THE_LOOP)
    assert [f.line for f in found] == [16]
    assert "`fake`" in found[0].message


# -- recall-3 PTL203/03's shape: a leaf reached through an object another class holds --------------
# Raises "a view of a leaf Variable that requires grad is being used in an in-place operation" in
# `set`: `self.table` is the `Table` every construction passes, whose `values` is a fresh leaf.
_HELD_LEAF = """
import torch


class Table:
    def __init__(self, n):
        self.values = torch.zeros(n, requires_grad=True)


class Entry:
    def __init__(self, table, i):
        self.table = table
        self.i = i

    def set(self, v):
        self.table.values[self.i] = v


table = Table(3)
entries = [Entry(table, i) for i in range(3)]
entries[1].set(2.0)
print("ran")
"""


def test_leaf_of_an_object_the_class_holds_is_reported() -> None:
    found = findings("PTL203", _HELD_LEAF)
    assert [f.line for f in found] == [15]
    assert "`self.table.values`" in found[0].message


def test_leaf_of_a_held_object_changed_under_no_grad_is_silent() -> None:
    # runs and prints
    text = _HELD_LEAF.replace(
        "        self.table.values[self.i] = v",
        "        with torch.no_grad():\n            self.table.values[self.i] = v",
    )
    assert "no_grad" in text and findings("PTL000", text) == []
    assert findings("PTL203", text) == []


def test_held_object_without_grad_is_silent() -> None:
    # runs and prints: `values` does not require grad
    text = _HELD_LEAF.replace("torch.zeros(n, requires_grad=True)", "torch.zeros(n)")
    assert text != _HELD_LEAF and findings("PTL000", text) == []
    assert findings("PTL203", text) == []


def test_held_leaf_detached_outside_its_class_is_silent() -> None:
    # runs and prints: the file rebinds `table.values` to a tensor without grad
    text = _HELD_LEAF.replace("table = Table(3)\n", "table = Table(3)\ntable.values = table.values.detach()\n")
    assert "detach" in text and findings("PTL000", text) == []
    assert findings("PTL203", text) == []


# Runs and prints (with a trainers.py whose Trainer.train_batch binds `self.loss_grad = self.lin(x)
# .pow(2).mean()`): the method is inherited from a base the file does not define.
_G5_INHERITED_FROM_AN_UNKNOWN_BASE = """
import torch
import torch.nn as nn
from trainers import Trainer


class Tracker(Trainer):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 1)


model = Tracker()
for step in range(3):
    for i in range(2):
        model.train_batch(torch.randn(8, 4))
        model.loss_grad.backward()
    model.train_batch(torch.randn(8, 4))
    model.loss_grad.backward()
print("ran")
"""


def test_g5_attribute_after_a_method_inherited_from_an_unknown_base_is_silent() -> None:
    assert findings("PTL201", _G5_INHERITED_FROM_AN_UNKNOWN_BASE) == []
