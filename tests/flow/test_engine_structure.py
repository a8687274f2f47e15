"""The flow engine's structure: composed parts (no inheritance between them), dispatch tables,
and a core that imports no rule."""

import ast
import inspect
import textwrap
from pathlib import Path

import pytest

import pt_lsp.core.flow as flow_package
from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.flow.autograd import Autograd
from pt_lsp.core.flow.calls import Calls
from pt_lsp.core.flow.evaluator import Expressions
from pt_lsp.core.flow.facts import GraphState
from pt_lsp.core.flow.functions import Functions
from pt_lsp.core.flow.interpreter import Interpreter
from pt_lsp.core.flow.scope import Scope
from pt_lsp.core.flow.statements import Statements

FLOW = Path(flow_package.__file__).parent
PARTS = [Expressions, Statements, Calls, Functions, Scope, Autograd, Interpreter]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def test_no_part_inherits_from_another_or_from_a_shared_base():
    for part in PARTS:
        assert part.__bases__ == (object,), f"{part.__name__} inherits from {part.__bases__}"
    # and no class of the engine derives from a class of the engine (no mixins left)
    for path in FLOW.glob("*.py"):
        local = {node.name for node in ast.walk(_tree(path)) if isinstance(node, ast.ClassDef)}
        engine_classes = {part.__name__ for part in PARTS} | local
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ClassDef):
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                assert not bases & engine_classes, f"{path.name}: {node.name} derives from {bases & engine_classes}"


def test_no_dispatch_by_method_name():
    """Transfer functions are found in dispatch tables, not by ``getattr(self, "eval_" + ...)``."""
    for path in FLOW.glob("*.py"):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
                first = node.args[0] if node.args else None
                assert not (isinstance(first, ast.Name) and first.id == "self"), f"{path.name}:{node.lineno}"


def test_the_core_imports_no_rule_module():
    """Rules read the engine's facts; the engine (and the core around it) never reads a rule.
    The registry (core/rule.py) is the one module that imports the rules' package, to load them."""
    core = FLOW.parent
    for path in core.rglob("*.py"):
        if path == core / "rule.py":
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                assert not module.startswith("pt_lsp.rules"), f"{path}: imports {module}"
                assert not (node.level >= 2 and module.startswith("rules")), f"{path}: imports {module}"
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("pt_lsp.rules") for a in node.names), f"{path}"


def _interpreter(source: str) -> Interpreter:
    source = textwrap.dedent(source)
    return Interpreter(FileContext("f.py", Document(source), ast.parse(source)))


def test_every_statement_and_expression_kind_in_a_table_has_a_transfer_function():
    interpreter = _interpreter("x = 1\n")
    for table in (interpreter.statements.transfer, interpreter.expressions.transfer):
        for kind, transfer in table.items():
            assert issubclass(kind, ast.AST)
            assert inspect.ismethod(transfer)
    assert interpreter.statements.transfer[ast.While] == interpreter.statements.exec_loop
    assert interpreter.expressions.transfer[ast.Call] == interpreter.expressions.eval_call


def test_the_parts_share_one_graph_counter_and_one_stack():
    interpreter = _interpreter("x = 1\n")
    assert interpreter.statements.graph is interpreter.expressions.graph is interpreter.calls.graph
    assert interpreter.autograd.graph is interpreter.graph
    assert interpreter.statements.stack is interpreter.functions.stack is interpreter.calls.stack
    assert interpreter.expressions.calls is interpreter.calls is interpreter.functions.calls


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import torch\nw = torch.ones(2, requires_grad=True)\ny = (w * 2).sum()\ny.backward()\ny.backward()\n", 1),
        ("import torch\nw = torch.ones(2, requires_grad=True)\ny = (w * 2).sum()\ny.backward()\n", 0),
    ],
)
def test_the_assembled_interpreter_finds_events_through_the_facade(source, expected):
    facts = _interpreter(source).run()
    assert len(facts.backwards) == expected
    assert all(record.graph is GraphState.FREED for record in facts.backwards)
