"""Incremental lints (core/incremental/): after every edit the findings equal a fresh full lint,
and an edit inside one function analyses only the functions connected to it (counted, not timed)."""

from __future__ import annotations

import ast
import importlib.util
import pathlib
import random

import pytest

from pt_lsp.core.document import Document
from pt_lsp.core.engine import lint_source, selected_rules
from pt_lsp.core.incremental import IncrementalLinter, layout
from pt_lsp.core.rule import all_rules
from pt_lsp.core.selection import Selection

SELECTION = Selection()


def torch_file(relative: str) -> pathlib.Path:
    spec = importlib.util.find_spec("torch")  # locates the package without importing it
    assert spec is not None and spec.origin is not None, "the dev environment installs torch"
    return pathlib.Path(spec.origin).parent / relative


def findings(result) -> list[tuple]:
    return [(f.code, f.span, f.message, f.related, f.fixes) for f in result.findings]


def check(linter: IncrementalLinter, text: str, path: str = "edited.py", rules=None) -> None:
    rules = rules if rules is not None else selected_rules(SELECTION)
    incremental = linter.lint(text, path, SELECTION, rules)
    assert findings(incremental) == findings(lint_source(text, path, SELECTION, rules)), linter.stats


# Rules that read beyond the functions connected to a finding (names bound anywhere in the file,
# every use of an import, ...): they stay whole-file.
FILE_WIDE = {"PTL101", "PTL102", "PTL103", "PTL201", "PTL203", "PTL204", "PTL403", "PTL501"}


@pytest.fixture
def unit_rules(monkeypatch) -> list:
    """Every rule not in FILE_WIDE, each reused per unit (more than the server reuses yet):
    with no whole-file rule to build the file's facts, every edit takes the per-unit path."""
    rules = [rule for rule in selected_rules(SELECTION) if rule.code not in FILE_WIDE]
    for rule in rules:
        monkeypatch.setattr(rule, "per_unit", True)
    return rules


@pytest.fixture
def data_rules(unit_rules, monkeypatch) -> list:
    """PTL102 too: it reads the names bound anywhere in the file, which the programs here do not
    depend on, and its findings ride on flow facts that cross calls."""
    rule = all_rules()["PTL102"]
    monkeypatch.setattr(rule, "per_unit", True)
    return sorted([*unit_rules, rule], key=lambda r: r.code)


def _statements_in_bodies(text: str) -> list[ast.stmt]:
    """Statements inside the bodies of the file's units (top-level defs and methods)."""
    tree = ast.parse(text)
    found = []
    for stmt in tree.body:
        defs = [stmt] if isinstance(stmt, ast.FunctionDef) else stmt.body if isinstance(stmt, ast.ClassDef) else []
        for node in defs:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found += [s for s in ast.walk(node) if isinstance(s, ast.stmt) and s is not node]
    return found


def random_edit(text: str, rng: random.Random) -> str:
    """A small edit as typing makes one, always parseable: a statement inserted, deleted or
    commented inside a function, or now and then one line of the header."""
    lines = text.splitlines(keepends=True)
    statements = _statements_in_bodies(text)
    choice = rng.random()
    if not statements or choice < 0.1:
        lines.insert(0, f"import os as _os{rng.randrange(1000)}\n")  # the header
        return "".join(lines)
    stmt = rng.choice(statements)
    indent = lines[stmt.lineno - 1][: stmt.col_offset]
    if choice < 0.45:
        value = rng.choice(["0", "torch.zeros(3)", "x.data", "[]", "self"])
        lines.insert(stmt.lineno - 1, f"{indent}_v{rng.randrange(100)} = {value}\n")
    elif choice < 0.65:
        lines[stmt.lineno - 1] = lines[stmt.lineno - 1].rstrip("\n") + "  # edited\n"
    elif stmt.end_lineno == stmt.lineno and not isinstance(stmt, (ast.Return, ast.Raise)):
        lines[stmt.lineno - 1] = f"{indent}pass\n"  # a statement deleted (its line kept)
    else:
        lines.insert(stmt.lineno - 1, "\n")
    return "".join(lines)


def test_an_edit_inside_one_function_of_torch_module_py_analyses_that_function_only(data_rules):
    text = torch_file("nn/modules/module.py").read_text(encoding="utf-8")
    linter = IncrementalLinter()
    check(linter, text, "module.py", data_rules)
    assert linter.stats.full and linter.stats.reason == "first lint"
    doc = Document(text)
    every = layout(ast.parse(text), doc.lines).units
    units = {unit.name: unit for unit in every}
    hook = units["_has_any_global_hook"]  # a module-level helper no other function is connected to
    lines = list(doc.lines)
    lines.insert(hook.body - 1, "    unused = 1\n")
    check(linter, "".join(lines), "module.py", data_rules)
    assert not linter.stats.full
    # the edited function, and the two functions with a `global` statement (always analysed)
    assert (linter.stats.units, linter.stats.analysed) == (len(every), 3)
    # typing on: still one unit's worth of work, the others' findings (PTL102 at line 1025) reused
    lines[hook.body - 1] = "    unused = 12\n"
    check(linter, "".join(lines), "module.py", data_rules)
    assert not linter.stats.full and linter.stats.analysed == 3


def test_an_edit_inside_a_method_of_one_big_class_is_a_full_run(unit_rules):
    """Methods of a class are connected (``self`` carries what the others set): module.py's
    ``Module`` is most of the file, so an edit there re-analyses the file, and says why."""
    text = torch_file("nn/modules/module.py").read_text(encoding="utf-8")
    linter = IncrementalLinter()
    check(linter, text, "module.py", unit_rules)
    units = {unit.name: unit for unit in layout(ast.parse(text), Document(text).lines).units}
    lines = text.splitlines(keepends=True)
    lines.insert(units["to"].body - 1, "        unused = 1\n")
    check(linter, "".join(lines), "module.py", unit_rules)
    assert linter.stats.full and linter.stats.reason == "most units connected to the edit"


def test_a_header_edit_invalidates_every_unit(unit_rules):
    text = torch_file("nn/modules/module.py").read_text(encoding="utf-8")
    linter = IncrementalLinter()
    check(linter, text, "module.py", unit_rules)
    check(linter, "import numpy as np\n" + text, "module.py", unit_rules)
    assert linter.stats.full and linter.stats.reason == "header changed"
    assert linter.stats.analysed == linter.stats.units > 80


HELPER_FEEDS_CALLER = """\
import torch


def make(n):
    return {value}


def unrelated(a):
    return a + 1


def train(model, data):
    weights = make(3)
    weights.data.add_(1)
    return model(data)
"""
TENSOR = HELPER_FEEDS_CALLER.format(value="torch.zeros(n, requires_grad=True)")


def test_an_edit_of_a_helper_updates_the_finding_its_summary_feeds_in_its_caller(data_rules):
    """``train``'s PTL102 finding exists only while ``make`` returns a tensor (the flow engine
    follows the call): editing ``make`` re-analyses ``train`` too, not ``unrelated``."""
    linter = IncrementalLinter()
    before = linter.lint(TENSOR, "train.py", SELECTION, data_rules)
    assert [f.line for f in before.findings if f.code == "PTL102"] == [14]
    plain = HELPER_FEEDS_CALLER.format(value="{'n': n}")
    after = linter.lint(plain, "train.py", SELECTION, data_rules)
    assert not linter.stats.full and linter.stats.analysed == 2  # make and train, not unrelated
    assert [f for f in after.findings if f.code == "PTL102"] == []
    assert findings(after) == findings(lint_source(plain, "train.py", SELECTION, data_rules))
    again = linter.lint(TENSOR, "train.py", SELECTION, data_rules)
    assert [f.line for f in again.findings if f.code == "PTL102"] == [14]


def test_findings_of_reused_units_move_with_their_unit(data_rules):
    linter = IncrementalLinter()
    check(linter, TENSOR, "train.py", data_rules)
    moved = TENSOR.replace("    return a + 1\n", "    a = a * 2\n\n\n    return a + 1\n")  # train moves 3 lines
    check(linter, moved, "train.py", data_rules)
    assert not linter.stats.full and linter.stats.analysed == 1  # unrelated alone
    assert [f.line for f in linter.lint(moved, "train.py", SELECTION, data_rules).findings] == [17]


def test_an_edit_that_adds_text_the_flow_engine_reads_file_wide_is_a_full_run(unit_rules):
    linter = IncrementalLinter()
    check(linter, TENSOR, "train.py", unit_rules)
    check(
        linter,
        TENSOR.replace("    return a + 1\n", "    a.requires_grad = False\n    return a + 1\n"),
        "train.py",
        unit_rules,
    )
    assert linter.stats.full and linter.stats.reason == "text flags changed"


def test_past_the_time_budget_the_findings_are_partial_and_say_so(unit_rules):
    linter = IncrementalLinter()
    for text in (TENSOR, TENSOR.replace("return a + 1", "return a + 2")):
        result = linter.lint(text, "train.py", SELECTION, unit_rules, budget=1e-9)
        assert result.findings == [] and "time budget" in (result.stopped or "")
        assert linter.memo is None  # nothing partial is reused by the next edit


REAL_FILES = ["nn/modules/module.py", "optim/optimizer.py", "nn/modules/rnn.py", "nn/init.py", "utils/checkpoint.py"]


def test_random_edits_of_real_files_give_a_full_lints_findings_every_time(unit_rules):
    reused = 0
    for relative in REAL_FILES:
        text = torch_file(relative).read_text(encoding="utf-8")
        rng = random.Random(relative)
        linter = IncrementalLinter()
        check(linter, text, relative, unit_rules)
        for _ in range(12):
            text = random_edit(text, rng)
            check(linter, text, relative, unit_rules)
            reused += not linter.stats.full
    # most edits of these files reach a function connected to most of the file (a full run);
    # optimizer.py's functions are apart enough for reuse
    assert reused >= 8, "the edits must exercise reuse, not only full runs"


def test_random_edits_with_the_servers_own_rules_give_a_full_lints_findings():
    """As the server runs: its per-unit rules beside the whole-file ones."""
    for relative in REAL_FILES[:3]:
        text = torch_file(relative).read_text(encoding="utf-8")
        rng = random.Random(relative + "server")
        linter = IncrementalLinter()
        check(linter, text, relative)
        for _ in range(6):
            text = random_edit(text, rng)
            check(linter, text, relative)


def test_edits_of_every_rule_example_give_a_full_lints_findings(unit_rules):
    rng = random.Random(15)
    edited = reused = 0
    for rule in all_rules().values():
        for example in rule.examples:
            text = example.code
            linter = IncrementalLinter()
            check(linter, text, rules=unit_rules)
            for _ in range(3):
                try:
                    text = random_edit(text, rng)
                except SyntaxError:  # a Python 2 example kept for the parser
                    break
                check(linter, text, rules=unit_rules)
                edited += 1
                reused += not linter.stats.full
    assert edited > 600 and reused > 0


def _soak_script():
    path = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "soak_server.py"
    spec = importlib.util.spec_from_file_location("soak_server_edits", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_soak_scripts_edits_give_a_full_lints_findings_after_every_edit(unit_rules):
    """benchmarks/soak_server.py's edit script (comments typed and removed, `.data` and
    `.detach()` swapped) over its 1,000 lines of the corpus, with the server's rules and with
    every rule reused per unit (its programs are scripts: most edits reach their module code)."""
    soak = _soak_script()
    for rules, edits in ((selected_rules(SELECTION), 5), (unit_rules, 15)):
        lines = soak.thousand_lines().split("\n")
        rng = random.Random(16)
        linter = IncrementalLinter()
        check(linter, "\n".join(lines), "soak.py", rules)
        for _ in range(edits):
            _, lines = soak.edit(lines, rng)
            check(linter, "\n".join(lines), "soak.py", rules)


ODD = [
    "",
    "x = 1\n",
    "def f():\n\treturn 1\n\n\ndef g():\n\tx = f()\n\treturn x\n",
    "def f():\r\n    return 1\r\n\r\n\r\ndef g():\r\n    return 2\r\n",
    "class A:\n    def f(self): return 1\n\n    def g(self):\n        return 2\n",
    "@d\ndef f():\n    @e\n    def h():\n        pass\n\n    return h\n\n\ndef g():\n    return 3\n",
    "def f():\n    x = 1 + \\\n        2\n    return x\n\n\ndef g():\n    return 1\n",
    "def f():\n    pass\n\n\ndef f():\n    pass\n",
    "def f(:\n",
]


@pytest.mark.parametrize("text", ODD)
def test_odd_layouts_give_a_full_lints_findings(text, unit_rules):
    """No functions, tabs, CRLF, one-line methods, decorated nested defs, continuation lines,
    a function defined twice, a syntax error: each edited the way typing does."""
    linter = IncrementalLinter()
    for version in (text, text.replace("1", "2"), text + "\n# end\n", text.replace("return 2", "return 3")):
        check(linter, version, rules=unit_rules)
