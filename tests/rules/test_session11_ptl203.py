"""PTL203 in session 11 (issue 11, part 1): the flow-leaves speed gate of session 10 (7b13385) asked
the flow only in a function or class naming a leaf source (`requires_grad=True`, `Parameter(`, ...).
It now also asks in a function of no such word that the file calls at module level or from a
function or class naming one (its parameters may be handed a leaf), or that calls a function of
the file naming one (which may return a leaf), or that changes a module-level name a statement
naming a leaf source binds (also through a loop over a display of such names). An in-place change
through a view-making method (`w.t().mul_(2)`, `b.view(5, 1).fill_(1)`) changes the leaf too.
Each program is ours, written for the shape, and run
under torch 2.13 here: the reported ones raise "a leaf Variable that requires grad is being used in
an in-place operation" at the first reported line; the neighbours run and print "ran".
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

REPORTED = {
    "returned_leaf": (
        "a function of no leaf word that calls the file's `init_params`, which returns a leaf: `W.add_(1.0)`",
        """\
import torch


def init_params(d):
    W = torch.randn(d, d) * 0.01
    W.requires_grad_()
    return W


def run():
    W = init_params(6)
    out = (torch.randn(2, 6) @ W).sum()
    out.backward()
    W.data.zero_()
    W.add_(1.0)


run()
""",
        [15],
    ),
    "requires_grad_later": (
        "a helper called at module level with a tensor made a leaf by `requires_grad_(True)` later in the file",
        """\
import torch

theta = torch.ones(3)


def update(t, g):
    t.mul_(0.9)
    t.add_(g)


theta.requires_grad_(True)
(theta * 2).sum().backward()
update(theta, theta.grad)
""",
        [7, 8],
    ),
    "dict_leaves_fn": (
        "a helper called at module level with a dict of leaves a builder returns",
        """\
import torch


def build():
    return {"w": torch.randn(3, requires_grad=True), "b": torch.zeros(1, requires_grad=True)}


def apply_decay(state):
    state["w"].mul_(0.99)


weights = build()
apply_decay(weights)
""",
        [9],
    ),
    "tuple_from_maker": (
        "a pair unpacked from a helper that makes both leaves, in a function of no leaf word",
        """\
import torch


def init(d):
    w = torch.randn(d, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return w, b


def experiment():
    w, b = init(3)
    b.fill_(0.1)
    return w, b


experiment()
""",
        [12],
    ),
    "list_display_in_fn": (
        "a loop over a display of module-level leaves in a function of no leaf word",
        """\
import torch

W = torch.randn(3, 3, requires_grad=True)
b = torch.zeros(3, requires_grad=True)


def reset_all():
    for t in [W, b]:
        t.zero_()


reset_all()
""",
        [9],
    ),
    "transpose_view": (
        "`w.t().mul_(2)`: the transpose is a view of the leaf",
        """\
import torch

w = torch.ones(2, 3, requires_grad=True)
w.t().mul_(2)
""",
        [4],
    ),
    "param_unsqueeze_view_fill": (
        "`bias.view(5, 1).fill_(1.0)` of a parameter",
        """\
import torch
import torch.nn as nn

bias = nn.Parameter(torch.zeros(5))
bias.view(5, 1).fill_(1.0)
""",
        [5],
    ),
}
NEIGHBOURS = {
    "returned_leaf_nograd": (
        "the same change under `torch.no_grad()`",
        """\
import torch


def init_params(d):
    W = torch.randn(d, d) * 0.01
    W.requires_grad_()
    return W


def run():
    W = init_params(6)
    out = (torch.randn(2, 6) @ W).sum()
    out.backward()
    with torch.no_grad():
        W.add_(1.0)


run()
""",
    ),
    "helper_given_plain": (
        "the helper called with a tensor that does not require grad",
        """\
import torch

theta = torch.ones(3, requires_grad=True)
buf = torch.zeros(3)


def update(t, g):
    t.mul_(0.9)
    t.add_(g)


(theta * 2).sum().backward()
update(buf, theta.grad)
""",
    ),
    "dict_detached": (
        "the helper called with detached copies of the leaves",
        """\
import torch


def build():
    return {"w": torch.randn(3, requires_grad=True), "b": torch.zeros(1, requires_grad=True)}


def apply_decay(state):
    state["w"].mul_(0.99)


weights = {k: v.detach() for k, v in build().items()}
apply_decay(weights)
""",
    ),
    "helper_nograd": (
        "a helper changing its argument under `torch.no_grad()`",
        """\
import torch


def zero_out(t):
    with torch.no_grad():
        t.zero_()


a = torch.randn(2, 2, requires_grad=True)
zero_out(a)
""",
    ),
    "tuple_from_maker_nograd": (
        "the pair's change under `torch.no_grad()`",
        """\
import torch


def init(d):
    w = torch.randn(d, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return w, b


def experiment():
    w, b = init(3)
    with torch.no_grad():
        b.fill_(0.1)
    return w, b


experiment()
""",
    ),
    "list_display_nograd": (
        "the loop in a function decorated with `torch.no_grad()`",
        """\
import torch

W = torch.randn(3, 3, requires_grad=True)
b = torch.zeros(3, requires_grad=True)


@torch.no_grad()
def reset_all():
    for t in [W, b]:
        t.zero_()


reset_all()
""",
    ),
    "global_plain_in_fn": (
        "a module-level tensor without grad changed in a function of a file with leaves",
        """\
import torch

W = torch.randn(3, 3, requires_grad=True)
running = torch.zeros(3)


def track(x):
    running.mul_(0.9)
    running.add_(x)


track(W.detach().sum(0))
""",
    ),
    "transpose_view_nograd": (
        "the view changed under `torch.no_grad()`",
        """\
import torch

w = torch.ones(2, 3, requires_grad=True)
with torch.no_grad():
    w.t().mul_(2)
""",
    ),
    "view_fill_nograd": (
        "the parameter's view filled under `torch.no_grad()`",
        """\
import torch
import torch.nn as nn

bias = nn.Parameter(torch.zeros(5))
with torch.no_grad():
    bias.view(5, 1).fill_(1.0)
""",
    ),
    "detached_view": (
        "views of `w.detach()` and `w.data` changed, and a view under `torch.no_grad()`",
        """\
import torch

w = torch.ones(2, 3, requires_grad=True)
w.detach().t().mul_(2)
w.data.view(3, 2).fill_(0.5)
with torch.no_grad():
    w.view(6).add_(1.0)
""",
    ),
}


def ptl203_lines(code: str) -> list[int]:
    result = lint_source(code, "prog.py", selection=Selection.of(["PTL203"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL203"]


def run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "prog.py"
    path.write_text(code + 'print("ran")\n')
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("shape", sorted(REPORTED))
def test_a_leaf_handed_to_a_function_of_no_leaf_word_is_reported_and_raises(tmp_path: Path, shape: str) -> None:
    _, code, lines = REPORTED[shape]
    assert ptl203_lines(code) == lines
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "a leaf Variable that requires grad is being used in an in-place" in proc.stderr


@pytest.mark.parametrize("shape", sorted(NEIGHBOURS))
def test_no_leaf_or_no_grad_neighbour_is_silent_and_runs(tmp_path: Path, shape: str) -> None:
    _, code = NEIGHBOURS[shape]
    assert ptl203_lines(code) == []
    proc = run(tmp_path, code)
    assert proc.returncode == 0 and proc.stdout.strip() == "ran", proc.stderr


# A torch layer handed to a helper of the file: every call passes one made there, so its `weight`
# and `bias` are parameters (torch 2.13: "a leaf Variable that requires grad is being used in an
# in-place operation"); the neighbours run.
PASSED_LAYERS = {
    "a local module made in the call `perturb(Net())`, whose `__init__` keeps `self.fc = nn.Linear(3, 3)`: `model.fc.weight.add_(...)`": (
        """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return self.fc(x)


def perturb(model):
    model.fc.weight.add_(torch.randn(3, 3) * 0.01)


perturb(Net())
""",
        15,
    ),
    "a local module bound to `model` and handed to `reset_head(m)`: `m.classifier.bias.zero_()`": (
        """\
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(8, 8)
        self.classifier = nn.Linear(8, 3)

    def forward(self, x):
        return self.classifier(self.body(x).relu())


def reset_head(m):
    m.classifier.bias.zero_()


model = Classifier()
reset_head(model)
""",
        15,
    ),
    "a conv layer made at module level handed to `init_head(conv, prior)`: `conv.bias.fill_(prior)`": (
        """\
import torch.nn as nn


def init_head(conv, prior):
    conv.bias.fill_(prior)


head = nn.Conv2d(16, 3, 1)
init_head(head, -4.0)
""",
        5,
    ),
    "a linear layer made in the call `small_init(nn.Linear(4, 4))`: `layer.weight.normal_(...)`": (
        """\
import torch.nn as nn


def small_init(layer):
    layer.weight.normal_(0.0, 0.01)


small_init(nn.Linear(4, 4))
""",
        5,
    ),
    "an embedding handed to `load_vectors(table, vectors)`: `table.weight.copy_(vectors)`": (
        """\
import torch
import torch.nn as nn


def load_vectors(table, vectors):
    table.weight.copy_(vectors)


emb = nn.Embedding(10, 3)
load_vectors(emb, torch.randn(10, 3))
""",
        6,
    ),
}
PASSED_NEIGHBOURS = {
    "the helper changing a local module's layer bias is decorated with `torch.no_grad()`": """\
import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.classifier = nn.Linear(8, 3)

    def forward(self, x):
        return self.classifier(x)


@torch.no_grad()
def reset_head(m):
    m.classifier.bias.zero_()


reset_head(Classifier())
""",
    "the local module's layer is made with `bias=False` (the helper checks for None)": """\
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.classifier = nn.Linear(8, 3, bias=False)

    def forward(self, x):
        return self.classifier(x)


def reset_head(m):
    if m.classifier.bias is not None:
        m.classifier.bias.zero_()


reset_head(Classifier())
""",
    "the helper changes the bias under `torch.no_grad()`": """\
import torch
import torch.nn as nn


def init_head(conv, prior):
    with torch.no_grad():
        conv.bias.fill_(prior)


head = nn.Conv2d(16, 3, 1)
init_head(head, -4.0)
""",
    "the helper is handed a plain object whose `weight` is a tensor without grad": """\
import torch


class Holder:
    def __init__(self):
        self.weight = torch.zeros(4)


def small_init(layer):
    layer.weight.normal_(0.0, 0.01)


small_init(Holder())
""",
    "the helper changes `.bias.data` (and a layer made with `bias=False` has none)": """\
import torch.nn as nn


def maybe_bias(layer):
    if layer.bias is not None:
        layer.bias.data.fill_(0.0)


maybe_bias(nn.Linear(4, 4, bias=False))
maybe_bias(nn.Linear(4, 4))
""",
}


@pytest.mark.parametrize("shape", sorted(PASSED_LAYERS))
def test_a_layer_handed_to_a_helper_is_reported_and_raises(tmp_path: Path, shape: str) -> None:
    code, line = PASSED_LAYERS[shape]
    assert ptl203_lines(code) == [line]
    proc = run(tmp_path, code)
    assert proc.returncode != 0 and "a leaf Variable that requires grad is being used in an in-place" in proc.stderr


@pytest.mark.parametrize("shape", sorted(PASSED_NEIGHBOURS))
def test_a_helper_under_no_grad_or_handed_no_layer_is_silent_and_runs(tmp_path: Path, shape: str) -> None:
    code = PASSED_NEIGHBOURS[shape]
    assert ptl203_lines(code) == []
    proc = run(tmp_path, code)
    assert proc.returncode == 0 and proc.stdout.strip() == "ran", proc.stderr
