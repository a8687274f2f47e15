"""Issue 15: work that a lint does not need is not done (behaviour, not timing): a helper question
answers without the parents map, an example's markers are read when first asked for, and a
one-file check imports neither the metadata reader, TOML, nor the writers' modules."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

from pt_lsp.core import examples
from pt_lsp.core.classes import class_nodes
from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.evidence.reaching import arguments_at_calls, instantiation_arguments, local_function
from pt_lsp.core.examples import Example

HELPERS = """
import torch

def helper(x):
    return x * 2

class C:
    def __init__(self, size=3):
        self.size = size

    def method(self, x):
        return helper(x)

y = helper(torch.ones(2))
z = helper(torch.zeros(2))
c = C(5)
d = C()
"""


def context(source: str) -> FileContext:
    return FileContext("<test>", Document(source), ast.parse(source))


def test_a_module_helper_is_found_without_building_the_parents_map():
    ctx = context(HELPERS)
    calls = [c for c in ctx.index.of(ast.Call) if isinstance(c.func, ast.Name) and c.func.id == "helper"]
    found = [local_function(ctx, call) for call in calls]
    assert [f.name if f is not None else None for f in found] == ["helper", "helper", "helper"]
    helper = found[0]
    assert helper is not None
    assert [ast.unparse(a) for a in arguments_at_calls(ctx, helper, "x") or []] == [
        "x",
        "torch.ones(2)",
        "torch.zeros(2)",
    ]
    init = next(n for n in ctx.index.of(ast.FunctionDef) if n.name == "__init__")
    assert [ast.unparse(a) for a in instantiation_arguments(ctx, init, "size") or []] == ["5", "3"]
    assert ctx.index._parents is None  # statements, calls and class bodies indexed once: no second walk


def test_a_method_or_a_rebound_name_is_not_a_module_helper():
    source = HELPERS + "\ndef helper(x):\n    return x\n\nw = helper(1)\n"
    ctx = context(source)
    calls = [c for c in ctx.index.of(ast.Call) if isinstance(c.func, ast.Name) and c.func.id == "helper"]
    assert [local_function(ctx, call) for call in calls] == [None] * len(calls)  # bound twice
    ctx = context(HELPERS)
    method = next(n for n in ctx.index.of(ast.FunctionDef) if n.name == "method")
    assert arguments_at_calls(ctx, method, "x") is None  # a method is not a module-level function


class CountingPattern:
    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern, self.calls = pattern, 0

    def search(self, text: str) -> re.Match[str] | None:
        self.calls += 1
        return self.pattern.search(text)


def test_an_examples_markers_are_read_when_first_asked_for(monkeypatch):
    counting = CountingPattern(examples._MARKER)
    monkeypatch.setattr(examples, "_MARKER", counting)
    example = Example("t", "\n    x = y.data  # expect: PTL102\n    z = 1\n", fixed="\n    x = y.detach()\n    z = 1\n")
    assert counting.calls == 0  # defining a rule's examples (every rule module does) reads no marker
    assert example.code == "x = y.data\nz = 1\n"
    assert example.expected == ((1, "PTL102"),)
    assert example.fixed == "x = y.detach()\nz = 1\n"
    assert example.is_bad_for("PTL102") and not example.is_bad_for("PTL201")
    assert counting.calls == 2  # once per line, however often asked


PROBE = """
import sys
from pt_lsp.cli import main
main(sys.argv[1:])
print("MODULES", " ".join(sorted(sys.modules)))
"""
NOT_NEEDED = ("importlib.metadata", "tomllib", "tempfile", "difflib", "json", "email")


def test_a_one_file_check_imports_only_what_linting_it_needs(tmp_path):
    (tmp_path / "a.py").write_text("import torch\nx = torch.zeros(3)\nprint(x.data)\n")
    run = subprocess.run(
        [sys.executable, "-c", PROBE, "check", "a.py", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "PTL102" in run.stdout  # it did lint
    loaded = set(next(line for line in run.stdout.splitlines() if line.startswith("MODULES ")).split()[1:])
    assert "pt_lsp.core.engine" in loaded
    assert sorted(m for m in NOT_NEEDED if m in loaded) == []


def test_a_project_configuration_is_still_read(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pt-lsp]\nignore = ["PTL102"]\n')
    (tmp_path / "a.py").write_text("import torch\nx = torch.zeros(3)\nprint(x.data)\n")
    run = subprocess.run(
        [sys.executable, "-c", PROBE, "check", "a.py", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "PTL102" not in run.stdout.split("MODULES")[0]
    assert "tomllib" in run.stdout.split("MODULES")[1]


NESTED_CLASSES = """
class A:
    class B: ...
if x:
    class C: ...
else:
    class D: ...
try:
    class E: ...
except ValueError:
    class F: ...
else:
    class G: ...
finally:
    class H: ...
for i in y:
    class I: ...
else:
    class J: ...
def f():
    with m:
        class K: ...
    while z:
        class L: ...
match v:
    case 1:
        class M: ...
"""


def reference_class_nodes(tree: ast.Module) -> list[ast.ClassDef]:
    """The walk as it was: every block field of every statement asked for."""
    found, stack = [], list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ClassDef):
            found.append(node)
        for block in ("body", "orelse", "handlers", "finalbody", "cases"):
            stack.extend(reversed(getattr(node, block, None) or []))
    return found


def test_class_statements_are_found_in_the_walks_order_looking_only_into_blocks():
    tree = ast.parse(NESTED_CLASSES)
    found = class_nodes(tree)
    assert [c.name for c in found] == [c.name for c in reference_class_nodes(tree)]
    assert sorted(c.name for c in found) == list("ABCDEFGHIJKLM")
