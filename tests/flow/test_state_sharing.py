"""States that share what a branch did not change (state.py's ``Facts`` and ``Lineage``): a fork
is a copy whose writes never reach the original, and a join of two states with a common ancestor
looks only at what either wrote since, with the facts, and the order of the names, a join of the
whole maps gives. The last tests lint whole programs both ways (sharing on, and every join made
in full) and compare the findings."""

from __future__ import annotations

import ast
import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.flow import fixpoint, state
from pt_lsp.core.flow.lattice import GraphNode
from pt_lsp.core.flow.state import NONE, Facts, State, changed, fork
from pt_lsp.core.flow.values import Kind, Value
from pt_lsp.core.rule import all_rules

TENSOR = Value(kind=Kind.TENSOR, requires_grad=True)
OTHER = Value(kind=Kind.OTHER, requires_grad=False)
CALL = ast.Call(func=ast.Name(id="backward"), args=[], keywords=[])


def node(uid: int) -> GraphNode:
    return GraphNode(uid, site=None)


def full(s: State) -> State:
    """``s`` with maps of no lineage: a join with it is made over the whole maps."""
    return State(dict(s.env), dict(s.freed), s.grad_enabled, s.default_device, s.under, dict(s.retained))


def facts(s: State) -> tuple[list[tuple[str, Value]], list[GraphNode], list[GraphNode]]:
    return list(s.env.items()), sorted(s.freed, key=lambda n: n.uid), sorted(s.retained, key=lambda n: n.uid)


def base() -> State:
    s = State()
    for i in range(50):
        s.env[f"x{i}"] = Value(kind=Kind.TENSOR, history=frozenset({node(i)}))
        s.freed[node(i)] = CALL
    return s


def test_a_forks_writes_do_not_reach_the_original() -> None:
    original = base()
    copy = original.copy()
    copy.env["x0"] = OTHER
    copy.env["new"] = TENSOR
    del copy.env["x1"]
    copy.freed.pop(node(2))
    copy.freed[node(99)] = CALL
    assert original.env["x0"] is not OTHER and "new" not in original.env and "x1" in original.env
    assert node(2) in original.freed and node(99) not in original.freed
    original.env["late"] = OTHER  # nor the other way round
    assert "late" not in copy.env


def test_changed_names_the_keys_either_branch_wrote() -> None:
    before = base()
    left, right = before.copy(), before.copy()
    left.env["x3"] = OTHER
    right.env.pop("x4")
    right.env.setdefault("x5", OTHER)  # present already: not a write
    right.freed.setdefault(node(70), CALL)
    found = changed(left.env, right.env)
    assert found is not None and found[0] == {"x3", "x4"}
    freed = changed(left.freed, right.freed)
    assert freed is not None and freed[0] == {node(70)}
    assert changed(left.env, full(right).env) is None  # no common ancestor: a full join


def test_a_join_of_two_branches_gives_the_facts_of_a_full_join() -> None:
    before = base()
    left, right = before.copy(), before.copy()
    left.env["x3"] = OTHER
    left.env["only_left"] = TENSOR
    right.env["x3"] = TENSOR
    right.env["b"] = TENSOR
    right.env["a"] = OTHER  # new names keep their order
    right.env["x7"] = NONE
    left.freed[node(60)] = CALL  # freed on one path only: not freed after the join
    right.freed.pop(node(8))
    left.freed[node(61)] = CALL
    right.freed[node(61)] = CALL  # freed on both
    shared = left.join(right)
    whole = full(left).join(full(right))
    assert facts(shared) == facts(whole)
    assert [name for name, _ in shared.env.items()][-2:] == ["b", "a"]
    assert node(61) in shared.freed and node(60) not in shared.freed and node(8) not in shared.freed


def test_a_state_changed_after_its_fork_is_joined_in_full() -> None:
    parent = base()
    child = parent.copy()
    child.env["x9"] = OTHER
    parent.env["x10"] = OTHER  # the child no longer agrees with it outside its own writes
    parent.freed.pop(node(11))
    assert changed(child.env, parent.env) is None
    joined = child.join(parent)
    assert facts(joined) == facts(full(child).join(full(parent)))
    assert node(11) not in joined.freed


def test_joins_nested_in_a_loop_pass_relate_to_the_head() -> None:
    head = base()
    body = head.copy()
    body.env["y"] = TENSOR
    then, orelse = body.copy(), body.copy()
    then.env["z"] = OTHER
    orelse.freed[node(80)] = CALL
    end = then.join(orelse)
    end.env["w"] = TENSOR
    found = changed(head.env, end.env)
    assert found is not None and found[0] >= {"y", "z", "w"}
    assert facts(head.join(end)) == facts(full(head).join(full(end)))


def test_a_fork_of_a_plain_dict_starts_its_own_lineage() -> None:
    plain = {"a": OTHER}
    copy = fork(plain)
    copy["b"] = TENSOR
    assert plain == {"a": OTHER} and isinstance(copy, Facts)
    assert changed(copy, fork(plain)) is None


PROGRAMS = [
    """
    import torch

    w = torch.randn(3, requires_grad=True)

    def train(data, x, flag):
        l0 = (w * x).sum()
        l0.backward()
        for y in data:
            l1 = (w * y).sum()
            if flag:
                l1.backward()
                h = None
            else:
                h = l1
        for y in data:
            l2 = (w * y).sum()
            l2.backward()
            l0.backward()
        l1.backward()
        while flag:
            if h is None:
                break
            h.backward()
    """,
    "\n".join(
        ["import torch", "", "w = torch.randn(3, requires_grad=True)", "", "def train(data, x, flag):"]
        + [
            line
            for i in range(30)
            for line in (
                f"    l{i} = (w * x).sum()",
                f"    l{i}.backward()" if i % 3 else f"    if flag:\n        l{i}.backward()",
                "    for y in data:",
                f"        l{i} = (w * y).sum()" if i % 2 else f"        l{i}.backward(retain_graph=flag)",
            )
        ]
        + ["    l0.backward()", "    l3.backward()"]
    ),
]


def lint_all(source: str) -> list[tuple[str, int, str, str]]:
    result = lint_source(textwrap.dedent(source), "<sharing>")
    assert result.errors == []
    return [(f.code, f.line, f.message, repr((f.span, f.related))) for f in result.findings]


def examples() -> list[str]:
    sources = [example.source for rule in all_rules().values() for example in rule.examples]
    return [source for source in sources if "backward" in source or ".cuda" in source or "if " in source]


@pytest.mark.parametrize("source", PROGRAMS + examples()[:400])
def test_findings_are_those_of_full_joins(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = lint_all(source)
    monkeypatch.setattr(state, "delta", lambda mine, theirs: None)
    monkeypatch.setattr(fixpoint, "delta", lambda mine, theirs: None)
    assert lint_all(source) == shared


def test_the_programs_report_the_second_backwards() -> None:
    codes = [(code, line) for code, line, _, _ in lint_all(PROGRAMS[0])]
    # l0 freed before the second loop and backwarded again in it; h, the l1 freed after the loops
    assert codes == [("PTL201", 19), ("PTL201", 24)]
