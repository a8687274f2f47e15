"""Memos that save a check run's time give the answers the work they save would give: the rules a
selection enables (asked once per file), a helper's returned values (asked from each of its
calls), and PTL203's first gate for functional in-place writes."""

from __future__ import annotations

import ast
import textwrap

from pt_lsp.core import walk
from pt_lsp.core.engine import lint_source, selected_rules
from pt_lsp.core.evidence import reaching
from pt_lsp.core.rule import all_rules
from pt_lsp.core.selection import Selection


def test_selected_rules_follow_the_selection_and_stay_the_callers_own():
    everything = selected_rules(Selection.of(["ALL"]))
    assert [rule.code for rule in everything] == sorted(all_rules())
    only = selected_rules(Selection.of(["PTL2"]))
    assert only and all(rule.code.startswith("PTL2") for rule in only)
    assert [r.code for r in selected_rules(Selection.of(["ALL"], ["PTL2"]))] == [
        code for code in sorted(all_rules()) if not code.startswith("PTL2")
    ]
    only.clear()  # a caller changing its list changes no later answer
    assert selected_rules(Selection.of(["PTL2"])) != []
    listed = Selection(select=["PTL202"])  # type: ignore[arg-type]  # lists, as some callers build it
    assert [rule.code for rule in selected_rules(listed)] == ["PTL202"]


HELPERS = """\
def early(x):
    if x:
        return
    return x + 1

def made(n):
    w = n * 2
    return w

def gen():
    yield 1
"""


def test_returned_values_are_walked_once_and_answer_as_before(monkeypatch):
    tree = ast.parse(HELPERS)
    early, made, gen = tree.body
    walked: list[ast.AST] = []
    real = walk.own_nodes

    def counted(scope: ast.AST):
        walked.append(scope)
        return real(scope)

    monkeypatch.setattr(reaching, "own_nodes", counted)
    for _ in range(3):
        assert reaching.returned_values(early) is None  # a bare return: may return None
        assert reaching.returned_values(gen) is None
        values = reaching.returned_values(made)
        assert [ast.unparse(v) for v in values or ()] == ["w"]
        values.append(made)  # the caller's own list
    assert walked == [early, gen, made]


def test_functional_in_place_writes_still_reported_after_the_reordered_gate():
    source = textwrap.dedent(
        """\
        import torch
        import torch.nn.functional as F

        w = torch.randn(3, requires_grad=True)
        F.relu(w, inplace=True)
        torch.relu_(w)
        F.relu(w)
        """
    )
    result = lint_source(source, "<inplace>", selection=Selection.of(["PTL203"]))
    assert [(f.code, f.line) for f in result.findings] == [("PTL203", 5), ("PTL203", 6)]


def test_ptl202s_gate_finds_a_grad_call_as_the_regex_did():
    import re

    from pt_lsp.rules.autograd.implicit_grad_non_scalar import _grad_call

    regex = re.compile(r"\bgrad\(")
    texts = ["grad(x)", "no_grad()", "x.grad(", "with no_grad():\n    g = grad(y, x)", "ägrad(", "é grad(", "1grad("]
    texts += ["autograd.grad(", "requires_grad(", "", "grad", "_grad( enable_grad(", "(grad(l, w))"]
    assert [_grad_call(t) for t in texts] == [regex.search(t) is not None for t in texts]
    assert [_grad_call(t) for t in texts].count(True) == 6
