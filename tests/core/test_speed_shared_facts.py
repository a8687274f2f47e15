"""Facts read from the shared node index or behind a cheap gate give the same answers as a full
walk would: module int constants (flow/trips.py) and a call's module-level function (reaching)."""

from __future__ import annotations

import ast
from pathlib import Path

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.evidence import reaching
from pt_lsp.core.flow.trips import module_int_constants
from pt_lsp.core.walk import NodeIndex

PACKAGE = Path(__file__).resolve().parents[2] / "pt_lsp"

SOURCE = """
import os
from math import pi as TAU
N_STEPS = 3
TWICE = 1
TWICE = 2
LOOPED = 4
IMPORTED = 5
GLOBAL_ONE = 6
PARAM = 7
FUNC = 8
FLOAT = 0.5
ANNOTATED: int = 9
import IMPORTED

def FUNC():
    global GLOBAL_ONE
    for i in range(N_STEPS):
        pass

def g(PARAM=1):
    return PARAM

async def h():
    async for x in y:
        pass

for LOOPED in range(2):
    [z for z in range(3)]
"""


def _walked(module: ast.Module) -> tuple[dict[str, int], frozenset[int]]:
    """The same question answered with a plain ast.walk (the reading before the index was used)."""
    bound: dict[str, int] = {}
    loops = set()
    for node in ast.walk(module):
        if isinstance(node, (ast.For, ast.AsyncFor)):
            loops.add(id(node))
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound[node.id] = bound.get(node.id, 0) + 1
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                bound[name] = bound.get(name, 0) + 2
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                name = (alias.asname or alias.name).split(".")[0]
                bound[name] = bound.get(name, 0) + 2
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound[node.name] = bound.get(node.name, 0) + 2
        elif isinstance(node, ast.arg):
            bound[node.arg] = bound.get(node.arg, 0) + 2
    constants = {
        stmt.targets[0].id: stmt.value.value
        for stmt in module.body
        if isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and bound.get(stmt.targets[0].id) == 1
        and isinstance(stmt.value, ast.Constant)
        and type(stmt.value.value) is int
    }
    return constants, frozenset(loops)


def test_module_int_constants_are_the_names_bound_once_to_an_int():
    module = ast.parse(SOURCE)
    constants = module_int_constants(module, NodeIndex(module))
    assert dict(constants) == {"N_STEPS": 3}  # every other name is bound again, elsewhere, or not to an int
    for_loops = [n for n in ast.walk(module) if isinstance(n, (ast.For, ast.AsyncFor))]
    assert len(for_loops) == 3
    assert constants.loops == frozenset(map(id, for_loops))  # comprehensions are not loops of the file


def test_module_int_constants_from_the_index_equal_a_full_walk_on_pt_lsps_own_sources():
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 100
    compared = 0
    for path in sources:
        try:
            module = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        constants = module_int_constants(module, NodeIndex(module))
        assert (dict(constants), constants.loops) == _walked(module), path.name
        compared += 1
    assert compared > 100


LOCAL = """
import helpers

def make():
    return 1

def twice():
    return 2

twice = None

def outer():
    def inner():
        return 3
    return inner()

a = make()
b = twice()
c = helpers.build()
d = print(a)
e = inner()
"""


def _context(source: str) -> FileContext:
    return FileContext("<test>", Document(source), ast.parse(source))


def _call(ctx: FileContext, target: str) -> ast.Call:
    for stmt in ctx.tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == target:
            assert isinstance(stmt.value, ast.Call)
            return stmt.value
    raise AssertionError(target)


def test_local_function_is_the_module_level_def_bound_once():
    ctx = _context(LOCAL)
    found = reaching.local_function(ctx, _call(ctx, "a"))
    assert isinstance(found, ast.FunctionDef) and found.name == "make"
    assert reaching.local_function(ctx, _call(ctx, "b")) is None  # rebound after its def
    assert reaching.local_function(ctx, _call(ctx, "c")) is None  # an attribute of an import
    assert reaching.local_function(ctx, _call(ctx, "d")) is None  # a builtin
    assert reaching.local_function(ctx, _call(ctx, "e")) is None  # a nested function, not module-level


def test_a_call_of_a_name_no_module_def_has_does_not_index_the_module_body():
    ctx = _context(LOCAL)
    assert reaching.local_function(ctx, _call(ctx, "d")) is None
    assert (id(ctx.tree), "body") not in reaching._memo(ctx).blocks  # the gate answered
    assert reaching.local_function(ctx, _call(ctx, "a")) is not None
    assert (id(ctx.tree), "body") in reaching._memo(ctx).blocks  # a candidate def needs the binders


def test_the_shared_numpy_gate_passes_where_each_rules_own_test_did():
    from pt_lsp.rules.numpy_interop._conversions import CONVERSION_WORDS

    before = (".numpy(", "array(", "numpy", "matplotlib", "sklearn")  # PTL401's and PTL402's own test
    texts = [
        "x = t.numpy()\n",
        "a = np.array(t)\n",
        "import matplotlib.pyplot as plt\n",
        "from sklearn.metrics import accuracy_score\n",
        "y = t.cpu()\n",
        "arr = make_array (t)\n",
        *(path.read_text(encoding="utf-8") for path in sorted(PACKAGE.rglob("*.py"))),
    ]
    passed = 0
    for text in texts:
        ctx = _context("pass\n")
        ctx.doc = Document(text)
        expected = any(word in text for word in before)
        assert ctx.mentions(*CONVERSION_WORDS) is expected
        assert ctx.mentions(*CONVERSION_WORDS) is expected  # the second rule's question: the memo's answer
        passed += expected
    assert 4 <= passed < len(texts)
