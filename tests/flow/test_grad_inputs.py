"""A MAML inner loop (audit-19 G4, TescaF MAML-Pytorch forked_stock/meta5.py:188, our programs of
the shape): features made once before the loop by a backbone, and each step takes
``torch.autograd.grad(loss, fast_weights)`` of a head over them. autograd runs only the nodes on a
path from the loss to the inputs, so the backbone's part of the graph is never run nor freed: the
programs run under torch 2.13 and PTL201 is silent. Asking for the backbone's parameters too, or
for the head's parameters where the features were made from the head's own weight, frees that
part in the first step: the second raises "Trying to backward through the graph a second time"
and stays reported."""

from __future__ import annotations

import ast

import pytest

from pt_lsp.core.flow.grad_inputs import input_modules
from tests.flow.programs import reported_lines, run_program

PROGRAM = """\
import torch
import torch.nn.functional as F

backbone = torch.nn.Linear(6, 4)
head = torch.nn.Linear(4, 2)
x = torch.randn(8, 6)
y = torch.randint(0, 2, (8,))
feats = {features}
fast = list(head.parameters())
for k in range(3):
    logits = F.linear(feats, fast[0], fast[1])
    loss = F.cross_entropy(logits, y)
    grads = torch.autograd.grad(loss, {inputs})
    fast = {update}
print("ran", float(loss))
"""

COMPREHENSION = "[w - 0.1 * g for w, g in zip(fast, grads)]"
MAPPED = "list(map(lambda p: p[1] - 0.1 * p[0], zip(grads, fast)))"
CASES = {  # features, inputs, update, reported
    "fast weights": ("backbone(x)", "fast", COMPREHENSION, False),
    "fast weights, mapped": ("backbone(x).view(8, -1)", "fast", MAPPED, False),
    "the backbone's parameters too": (
        "backbone(x)",
        "fast + list(backbone.parameters())",
        "[w - 0.1 * g for w, g in zip(fast, grads[:2])]",
        True,
    ),
    "features from the head's weight": (
        "torch.tanh(x[:, :4] * head.weight[0])",
        "list(head.parameters())",
        COMPREHENSION,
        True,
    ),
}


def program(case: str) -> str:
    features, inputs, update, _ = CASES[case]
    return PROGRAM.format(features=features, inputs=inputs, update=update)


@pytest.mark.parametrize("case", CASES)
def test_only_what_grad_runs_is_freed(case: str) -> None:
    assert reported_lines(program(case), "PTL201") == ([13] if CASES[case][3] else [])


@pytest.mark.parametrize("case", CASES)
def test_torch_agrees(case: str, tmp_path) -> None:
    run = run_program(tmp_path, program(case))
    if CASES[case][3]:
        assert "backward through the graph a second time" in run.stderr
    else:
        assert run.returncode == 0 and run.stdout.startswith("ran"), run.stderr


@pytest.mark.parametrize(
    ("source", "modules"),
    [
        ("grad(l, head.parameters())", {"head"}),
        ("grad(l, [*a.parameters(), *b.parameters()])", {"a", "b"}),
        ("grad(l, params)", None),  # a parameter of the function: anything
        ("grad(l, [w])", None),
    ],
)
def test_inputs_read_from_the_source(source: str, modules: set[str] | None) -> None:
    tree = ast.parse(f"def f(l, params, w):\n    {source}\n")
    function = tree.body[0]
    call = function.body[0].value  # type: ignore[attr-defined]
    found = input_modules(call.args[1], function)
    assert found == (frozenset(modules) if modules is not None else None)
