"""Fixes that compile and converge (issue 16): keywords merged, never repeated; no statement
inserted before the names it reads are bound; every fix idempotent; counts that say what changed."""

from __future__ import annotations

import ast
import random
import textwrap

import pytest

from pt_lsp.core.document import Pos, Span
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix
from pt_lsp.core.fixes import (
    BoundNames,
    Linted,
    _overlaps,
    applicable,
    apply_edits,
    choose_fixes,
    compile_error,
    fix_loop,
    fix_source,
)


def fixed_twice(text: str):
    """Fix ``text``, then fix the result again: the second run must change nothing."""
    first = fix_source(text, "<t>", unsafe=True)
    assert compile_error(first.text, "<t>") is None, first.text
    assert first.converged and first.rounds <= 2, first.text
    second = fix_source(first.text, "<t>", unsafe=True)
    assert second.text == first.text and second.rounds == 0
    return first


def backwards(text: str) -> list[ast.Call]:
    calls = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call)]
    return [c for c in calls if isinstance(c.func, ast.Attribute) and c.func.attr == "backward"]


def program(body: str, params: str = "x") -> str:
    return f"import torch\n\n\ndef f({params}):\n" + textwrap.indent(textwrap.dedent(body), "    ")


@pytest.mark.parametrize("value", ["False", "flag", "None"])
def test_an_existing_retain_graph_keyword_is_edited_not_repeated(value):
    text = program(f"loss = (x * 2).sum()\nloss.backward(retain_graph={value})\nloss.backward()\n", "x, flag")
    first = fixed_twice(text)
    earlier, later = backwards(first.text)
    assert [ast.unparse(k) for k in earlier.keywords] == ["retain_graph=True"]
    assert later.keywords == [] and len(first.fixed) == 1


def test_retain_graph_passed_by_position_is_edited_in_place():
    first = fixed_twice(program("loss = (x * 2).sum()\nloss.backward(None, False)\nloss.backward()\n"))
    earlier = backwards(first.text)[0]
    assert ast.unparse(earlier) == "loss.backward(None, True)" and earlier.keywords == []


def test_no_retain_graph_fix_after_double_star_kwargs():
    text = program("loss = (x * 2).sum()\nloss.backward(**kw)\nloss.backward()\n", "x, kw")
    first = fixed_twice(text)
    assert first.text == text and first.fixed == []
    assert [f.code for f in first.remaining] == ["PTL201"]  # still reported, not fixed


@pytest.mark.parametrize("count", [2, 5, 12])
def test_consecutive_backwards_are_fixed_in_one_round_and_counted_once(count):
    text = program("loss = (x * 2).sum()\n" + "loss.backward()\n" * count)
    first = fixed_twice(text)
    assert first.rounds == 1 and len(first.fixed) == count - 1
    kept = [ast.unparse(c) for c in backwards(first.text)]
    assert kept == ["loss.backward(retain_graph=True)"] * (count - 1) + ["loss.backward()"]


def test_no_detach_is_inserted_before_the_state_is_bound():
    text = program(
        """\
        for epoch in range(3):
            for y in x:
                if epoch == 0:
                    out = torch.tanh(y * 2)
                else:
                    out = torch.tanh(out * 2)
                out.sum().backward()
        """,
        "x",
    )
    assert "out = out.detach()" not in fixed_twice(text).text


def test_a_state_assigned_under_an_if_converges():
    text = program(
        """\
        h = torch.zeros(3, requires_grad=True)
        c = torch.zeros(3, requires_grad=True)
        for i, y in enumerate(x):
            if i % 2 == 0:
                out, (h, c) = rnn(y, (h, c))
            loss = out.sum()
            loss.backward()
        """,
        "x, rnn",
    )
    first = fixed_twice(text)
    assert first.text.count("h = h.detach()") <= 1 and first.text.count("c = c.detach()") <= 1


def test_the_detach_fix_is_not_offered_twice():
    text = program(
        """\
        h = torch.zeros(3, requires_grad=True)
        for y in x:
            h = torch.tanh(h * y)
            h.sum().backward()
        """,
        "x",
    )
    first = fixed_twice(text)
    assert first.text.count("h = h.detach()") == 1 and len(first.fixed) == 1


# -- the name check ---------------------------------------------------------------------------
NAMES = """\
import torch
from os import path as p

top = 1


def f(a, *rest, k=2, **kw):
    b = a
    for i in range(3):
        c = i
    return b


class C:
    attr = 1

    def m(self):
        return self
"""


@pytest.mark.parametrize(
    "line, content, unbound",
    [
        (8, "    x = a + k + rest[0] + kw['q']\n", False),  # parameters
        (8, "    x = b\n", True),  # b is bound on line 8, after the insertion point
        (9, "    x = b + top + p + torch.zeros(1) + len([])\n", False),  # locals, globals, imports, builtins
        (10, "        c = c.detach()\n", True),  # c is bound only later in the loop body
        (10, "        i = i + 1\n", False),  # the loop variable is bound by the for
        (18, "        x = attr\n", True),  # a class body's names are not a method's
        (18, "        x = tuple(s.detach() for s in self)\n", False),  # comprehension variables are local
        (4, "x = top\n", True),  # module level: top is bound on line 4
        (5, "x = top\n", False),
        (8, "x = [y for y in undefined]\n", True),
    ],
)
def test_reads_unbound(line, content, unbound):
    edit = Edit.insert(Pos(line, 0), content)
    assert BoundNames(NAMES).reads_unbound(edit) is unbound


def test_an_edit_that_is_not_a_statement_is_not_checked():
    names = BoundNames(NAMES)
    assert not names.reads_unbound(Edit.insert(Pos(8, 9), ", undefined_name=1"))
    assert not names.reads_unbound(Edit(Span(Pos(8, 4), Pos(8, 5)), "undefined_name"))  # a replacement


def test_a_star_import_or_global_makes_every_name_possible():
    text = "from torch import *\n\n\ndef f():\n    global g\n    return 1\n"
    assert not BoundNames(text).reads_unbound(Edit.insert(Pos(6, 0), "    x = zeros(g)\n"))


def test_a_fix_reading_an_unbound_name_is_not_applied():
    text = "def f():\n    x = 1\n    return x\n"
    early = Finding(
        "PTL999",
        "t",
        "m",
        Span(Pos(2, 4), Pos(2, 9)),
        fixes=(Fix("t", (Edit.insert(Pos(2, 0), "    x = x + 1\n"),), Applicability.SAFE),),
    )

    def lint(source: str) -> Linted[str]:
        return Linted(source, [early] if source == text else [], [])

    names = BoundNames(text)
    eligible = lambda state, finding: not any(names.reads_unbound(e) for e in finding.fix.edits)
    outcome = fix_loop(lint(text), lint, apply_edits, lambda old, new: True, True, eligible)
    assert outcome.last.state == text and outcome.fixed == []


def test_a_round_counts_only_the_findings_it_removed():
    text = "a = 1\nb = 2\n"
    findings = [
        Finding(
            "PTL998", "t", "m", Span(Pos(line, 0), Pos(line, 1)), fixes=(Fix("t", (Edit.insert(Pos(line, 0), "#"),)),)
        )
        for line in (1, 2)
    ]

    def lint(source: str) -> Linted[str]:
        # the first edit fixes its finding, the second does not (a fix that does nothing useful)
        return Linted(source, findings if source == text else findings[1:2] if source.count("#") == 2 else [], [])

    outcome = fix_loop(lint(text), lint, apply_edits, lambda old, new: True, True, max_rounds=1)
    assert len(outcome.fixed) == 1


# -- choose_fixes: n log n, same choice as checking every pair ----------------------------------
def _choose_by_pairs(findings, unsafe):
    chosen, edits = [], []
    for finding in sorted(findings, key=lambda f: f.span):
        fix = finding.fix
        if fix is None or not applicable(fix, unsafe):
            continue
        if any(_overlaps(new, old) for new in fix.edits for old in edits):
            continue
        chosen.append(finding)
        edits.extend(e for e in fix.edits if e not in edits)
    return chosen, sorted(edits)


@pytest.mark.parametrize("seed", range(40))
def test_choose_fixes_agrees_with_the_pairwise_check(seed):
    rng = random.Random(seed)

    def edit():
        line, col = rng.randint(1, 3), rng.randint(0, 6)
        end = Pos(line, col + rng.choice([0, 0, 1, 2, 4]))
        return Edit(Span(Pos(line, col), end), rng.choice(["", "a", "bb"]))

    findings = []
    for _ in range(rng.randint(1, 25)):
        edits = []
        for _ in range(rng.randint(1, 3)):
            candidate = edit()
            if all(not _overlaps(candidate, e) and candidate != e for e in edits):
                edits.append(candidate)
        span = Span(Pos(rng.randint(1, 3), rng.randint(0, 6)), Pos(4, 0))
        findings.append(Finding("PTL999", "t", "m", span, fixes=(Fix("t", tuple(edits)),)))
    assert choose_fixes(findings) == _choose_by_pairs(findings, False)


def test_retain_variables_renamed_and_retain_graph_merged_in_one_round():
    """Found by scripts/fuzz.py (seed 1): PTL107 renames the keyword, PTL201 must then edit its
    value rather than add a second ``retain_graph``. (The file imports torch: ``backward()`` alone
    is evidence of a graph only in a file that uses torch.)"""
    text = "import torch\n\n\ndef step(loss, keep):\n    loss.backward(retain_variables=keep)\n    loss.backward(retain_variables=keep)\n"
    first = fixed_twice(text)
    assert first.errors == []
    assert [ast.unparse(c) for c in backwards(first.text)] == [
        "loss.backward(retain_graph=True)",
        "loss.backward(retain_graph=keep)",
    ]


RNN_STATE_FROM_NONE = """\
import torch
from torch import nn

rnn = nn.RNN(4, 8)
opt = torch.optim.SGD(rnn.parameters(), lr=0.1)
hidden = None
for step in range(3):
    x = torch.randn(5, 2, 4)
    out, hidden = rnn(x, hidden)
    loss = out.pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


def test_a_state_that_starts_as_none_is_detached_only_once_it_is_a_tensor():
    # `hidden = None` is an RNN's default state: `hidden.detach()` would raise in the first pass.
    first = fixed_twice(RNN_STATE_FROM_NONE)
    assert "    hidden = hidden.detach() if hidden is not None else None\n" in first.text
    pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        exec(compile(RNN_STATE_FROM_NONE, "<bad>", "exec"), {})
    exec(compile(first.text, "<fixed>", "exec"), {})  # the fixed program trains three steps


def test_a_state_bound_to_a_tensor_keeps_the_plain_detach():
    text = RNN_STATE_FROM_NONE.replace("hidden = None", "hidden = torch.zeros(1, 2, 8)")
    first = fixed_twice(text)
    assert "    hidden = hidden.detach()\n" in first.text
