"""Call summaries (core/flow/summaries.py): a helper called again with the same inputs is not
interpreted again, its first run is replayed. Every test compares with the interpreter run
without summaries: the facts of every expression (each field, evidence steps included) and the
findings must be the same, and the helper's body must run fewer times only where the inputs
repeat."""

from __future__ import annotations

import ast
import textwrap

import pytest

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.engine import lint_source, parse
from pt_lsp.core.flow.functions import Functions
from pt_lsp.core.flow.interpreter import Interpreter
from pt_lsp.core.flow.state import State
from pt_lsp.core.flow.statements import Statements
from pt_lsp.core.flow.summaries import same
from pt_lsp.core.flow.values import Value
from pt_lsp.core.rule import all_rules
from pt_lsp.core.selection import Selection

HELPERS = """
def shape_of(node, key):
    meta = node.meta
    for user in node.users:
        if user.op == key:
            return meta
    return None

def classify(node):
    found = shape_of(node, "call")
    other = shape_of(node, "call")
    for arg in node.args:
        found = shape_of(node, "call") or found
    return found, other

def partition(graph):
    for node in graph.nodes:
        if classify(node):
            classify(node)
        else:
            shape_of(node, "output")
"""

TENSORS = """
import torch

w = torch.randn(3, requires_grad=True)

def loss_of(x):
    return (w * x).sum()

def train(x):
    a = loss_of(x)
    b = loss_of(x)
    a.backward()
    b.backward()
"""

STEPS = """
import torch

def helper(x):
    return x.cpu()

def caller(flag):
    if flag:
        t = torch.zeros(3).cuda()
    else:
        t = torch.ones(3).cuda()
    helper(t)
    helper(torch.zeros(3).cuda())
"""


def analysed(
    source: str, tree: ast.Module, summaries: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[int, Value], int]:
    """The facts of every function of ``source`` (each analysed, with its callers) and how many
    times the body of its first function ran."""
    with monkeypatch.context() as patch:
        if not summaries:
            patch.setattr(Functions, "summary_key", lambda *args: None)
        first = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
        runs = [0]
        exec_block = Statements.exec_block

        def counted(self: Statements, block: list[ast.stmt], state: State) -> State | None:
            runs[0] += block is first.body
            return exec_block(self, block, state)

        patch.setattr(Statements, "exec_block", counted)
        ctx = FileContext("<summaries>", Document(source), tree, Selection().target_torch)
        interpreter = Interpreter(ctx)
        facts = interpreter.run()
        for function in interpreter.surveys:
            interpreter.ensure(function)
        return dict(facts.values), runs[0]


def same_facts(a: dict[int, Value], b: dict[int, Value]) -> bool:
    return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)


def both(source: str, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[dict[int, Value], int], ...]:
    """With summaries and without, over one parse: the facts are keyed by node, so they compare
    node for node."""
    source = textwrap.dedent(source)
    tree = parse(source)
    return tuple(analysed(source, tree, summaries, monkeypatch) for summaries in (True, False))


def test_a_helper_called_again_with_the_same_inputs_runs_once_per_input(monkeypatch: pytest.MonkeyPatch) -> None:
    (with_summaries, runs), (without, runs_without) = both(HELPERS, monkeypatch)
    assert same_facts(with_summaries, without)
    assert with_summaries  # the helpers were interpreted
    assert runs_without >= 6 and runs < runs_without / 2  # most of shape_of's runs were replayed


def test_a_helper_that_makes_graph_nodes_runs_at_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    (with_summaries, runs), (without, runs_without) = both(TENSORS, monkeypatch)
    assert same_facts(with_summaries, without)
    assert runs == runs_without >= 2  # each call makes a graph of its own: b's backward is not a's


def test_arguments_that_differ_in_their_evidence_are_not_the_same_input(monkeypatch: pytest.MonkeyPatch) -> None:
    tensor = Value().with_(steps=())
    moved = tensor.step(ast.Name(id="t"), "moved to CUDA here")
    assert tensor == moved and not same(tensor, moved)  # Value's == leaves the steps out; a summary may not
    (with_summaries, runs), (without, runs_without) = both(STEPS, monkeypatch)
    assert same_facts(with_summaries, without)
    assert runs == runs_without


def examples() -> list[str]:
    sources = [example.source for rule in all_rules().values() for example in rule.examples]
    return [source for source in sources if "def " in source]


def lint_all(source: str) -> list[tuple[str, int, str, str]]:
    result = lint_source(textwrap.dedent(source), "<summaries>")
    assert result.errors == []
    return [(f.code, f.line, f.message, repr((f.span, f.related))) for f in result.findings]


@pytest.mark.parametrize("source", [HELPERS, TENSORS, STEPS, *examples()])
def test_findings_are_those_of_the_interpreter_without_summaries(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    summarised = lint_all(source)
    monkeypatch.setattr(Functions, "summary_key", lambda *args: None)
    assert lint_all(source) == summarised
