"""Loops run to a fixed point of their head state (core/flow/fixpoint.py): state that takes more
than two iterations to reach a backward is seen, each backward is reported once, and loops whose
head does not settle stop at the cap (imprecise, never an error). The reported programs raise
under torch (the tests run them)."""

from __future__ import annotations

import ast
import textwrap

import pytest

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.engine import lint_source
from pt_lsp.core.flow.fixpoint import EXTRA_PASS_BUDGET, MAX_PASSES, head_join, settled
from pt_lsp.core.flow.interpreter import Interpreter
from pt_lsp.core.flow.lattice import GraphNode
from pt_lsp.core.flow.state import State
from pt_lsp.core.flow.values import Kind, Value
from pt_lsp.core.selection import Selection

FREED = "Trying to backward through the graph a second time"


def ptl201(source: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<loop>", selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [f.line for f in result.findings]


def run_raises(source: str) -> str | None:
    """Run ``source`` under torch; the error message, or None when it runs through."""
    try:
        exec(compile(textwrap.dedent(source), "<loop>", "exec"), {"__name__": "__loop__"})
    except RuntimeError as error:
        return str(error)
    return None


# The graph reaches the backward two iterations after it was built: `b` takes `a`'s old value.
TWO_ITERATIONS_LATE = """
    import torch
    from torch import nn

    net = nn.Linear(4, 4)
    a = torch.zeros(2, 4)
    b = torch.zeros(2, 4)
    for step in range(4):
        out = net(torch.randn(2, 4))
        loss = (out * b).sum()
        loss.backward()
        b = a
        a = out
    """

# Three hops: c <- b <- a <- the model's output; the third pass alone does not see it.
THREE_ITERATIONS_LATE = """
    import torch
    from torch import nn

    net = nn.Linear(3, 3)
    a = b = c = torch.zeros(1, 3)
    for step in range(5):
        out = net(torch.randn(1, 3))
        (out * c).sum().backward()
        c = b
        b = a
        a = out
    """


def test_state_that_reaches_the_backward_two_iterations_late_is_reported():
    assert ptl201(TWO_ITERATIONS_LATE) == [11]
    assert FREED in (run_raises(TWO_ITERATIONS_LATE) or "")


def test_state_that_reaches_the_backward_three_iterations_late_is_reported():
    assert ptl201(THREE_ITERATIONS_LATE) == [9]
    assert FREED in (run_raises(THREE_ITERATIONS_LATE) or "")


@pytest.mark.parametrize(
    "change",
    [
        ("a = out", "a = out.detach()"),  # what is handed on has no graph
        ("loss.backward()", "loss.backward(retain_graph=True)"),  # the graph is kept
        ("b = a\n", "b = torch.zeros(2, 4)\n"),  # a fresh value in every iteration
    ],
)
def test_the_late_state_detached_kept_or_fresh_is_silent(change):
    program = TWO_ITERATIONS_LATE.replace(*change)
    assert program != TWO_ITERATIONS_LATE
    assert ptl201(program) == []
    assert run_raises(program) is None


def test_a_carried_state_is_reported_once_with_its_case():
    source = """
        import torch
        from torch import nn

        rnn = nn.RNNCell(3, 3)
        h = torch.zeros(1, 3)
        for step in range(3):
            for t in range(2):
                h = rnn(torch.randn(1, 3), h)
            h.sum().backward()
        """
    result = lint_source(textwrap.dedent(source), "<loop>", selection=Selection.of(["PTL201"]))
    assert [(f.line, "carried across loop iterations" in f.message) for f in result.findings] == [(10, True)]
    assert FREED in (run_raises(source) or "")


def interpreter_of(source: str) -> Interpreter:
    text = textwrap.dedent(source)
    ctx = FileContext("loop.py", Document(text), ast.parse(text))
    interpreter = Interpreter(ctx)
    interpreter.run()
    interpreter.ensure_all()
    return interpreter


def test_a_head_that_never_settles_stops_at_the_cap_and_is_logged():
    # Ten hops: the graph needs more passes than the cap to reach `j`; the analysis stops, says
    # so, and raises nothing.
    names = "abcdefghij"
    hops = "".join(f"    {later} = {earlier}\n" for later, earlier in reversed(list(zip(names[1:], names))))
    source = (
        "import torch\nfrom torch import nn\nnet = nn.Linear(2, 2)\n"
        + "".join(f"{n} = torch.zeros(2)\n" for n in names)
        + "for step in range(20):\n    out = net(torch.randn(2))\n    (out * j).sum().backward()\n"
        + hops
        + "    a = out\n"
    )
    interpreter = interpreter_of(source)
    loops = [node for node in interpreter.statements.unsettled if isinstance(node, ast.For)]
    assert len(loops) == 1
    assert ptl201(source) == []  # imprecise, not wrong: nothing is claimed past the cap
    assert MAX_PASSES == 8


def test_nested_loops_share_one_budget_of_extra_passes():
    # Every loop of the nest needs extra passes; the function pays for them from one budget.
    names = "abcdefghij"
    hops = "".join(f"{{indent}}{later} = {earlier}\n" for later, earlier in reversed(list(zip(names[1:], names))))
    body = "{indent}out = net(torch.randn(2))\n{indent}(out * j).sum().backward()\n" + hops + "{indent}a = out\n"
    source = "import torch\nfrom torch import nn\nnet = nn.Linear(2, 2)\n" + "".join(
        f"{n} = torch.zeros(2)\n" for n in names
    )
    source += "def train():\n"
    for depth in range(3):
        indent = "    " * (depth + 1)
        source += f"{indent}for i{depth} in range(3):\n" + body.format(indent=indent + "    ")
    interpreter = interpreter_of(source)
    spent = {root: EXTRA_PASS_BUDGET - left for root, left in interpreter.statements.extra_passes.items()}
    assert spent and all(0 < used <= EXTRA_PASS_BUDGET for used in spent.values())
    assert max(spent.values()) == EXTRA_PASS_BUDGET  # the nest wanted more: it was cut


def node(uid: int, site: ast.AST) -> GraphNode:
    return GraphNode(uid, site)


def test_heads_are_compared_with_loop_nodes_known_by_site():
    site, before = ast.Name("out"), ast.Name("h0")
    n0 = node(1, before)
    first, second = node(5, site), node(9, site)
    old = State(env={"h": Value(kind=Kind.TENSOR, history=frozenset({n0, first}))}, freed={first: ast.Call()})
    new = State(env={"h": Value(kind=Kind.TENSOR, history=frozenset({n0, second}))}, freed={second: ast.Call()})
    assert settled(old, new, loop_start_uid=3)  # the same site, made in the loop: nothing new
    assert not settled(old, new, loop_start_uid=6)  # `first` was made before the loop: another node
    grown = State(env={"h": Value(kind=Kind.TENSOR, history=frozenset({n0}))}, freed={})
    assert not settled(grown, new, loop_start_uid=3)


def test_a_node_made_in_the_last_pass_keeps_its_freed_state_at_the_join():
    call = ast.Call()
    old_node, new_node = node(2, ast.Name("x")), node(7, ast.Name("x"))
    head = State(env={}, freed={old_node: call})
    end = State(env={}, freed={new_node: call})  # old_node not freed on this path: no longer a must
    joined = head_join(head, end, pass_start_uid=5)
    assert new_node in joined.freed  # made in this pass: freed on every path where it exists
    assert old_node not in joined.freed


def test_the_loop_head_comparison_covers_every_fact_of_a_value():
    # fixpoint.settled compares values by a key that names Value's facts one by one: a new fact left
    # out of it would let a loop stop before that fact settled. Only the evidence steps are left out.
    import dataclasses
    import inspect

    from pt_lsp.core.flow import fixpoint
    from pt_lsp.core.flow.values import Value

    compared = {f.name for f in dataclasses.fields(Value)} - {"steps"}
    source = inspect.getsource(fixpoint.settled)
    assert all(f"value.{name}" in source for name in compared), compared
