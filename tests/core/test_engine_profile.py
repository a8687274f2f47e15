"""--profile's timing of the shared facts: each built when first asked for, timed without the
facts it asked for itself, and nothing timed (nor built) that no one asked for."""

import ast

from pt_lsp.commands.profile import profiled_lint
from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

SOURCE = "import torch\n\ndef f(x):\n    return x.cuda().numpy()\n" * 20


def test_facts_are_timed_apart_and_only_when_built():
    ctx = FileContext("a.py", Document(SOURCE), ast.parse(SOURCE))
    ctx.timings = {}
    assert ctx.names.module_scope is not None  # asks for the index first
    assert set(ctx.timings) == {"index", "names"}
    assert all(seconds >= 0 for seconds in ctx.timings.values())
    assert abs(ctx.facts_seconds - sum(ctx.timings.values())) < 1e-9
    before = dict(ctx.timings)
    assert ctx.names is ctx.names  # cached: not timed again
    assert ctx.timings == before


def test_a_context_without_timings_records_nothing():
    ctx = FileContext("a.py", Document(SOURCE), ast.parse(SOURCE))
    assert ctx.names.module_scope is not None
    assert ctx.timings is None and ctx.facts_seconds == 0.0


def test_the_profiled_lint_finds_what_the_engine_finds_and_times_rules_apart_from_facts():
    timings: dict[str, float] = {}
    profiled = profiled_lint(SOURCE, "a.py", Selection(), True, timings)
    plain = lint_source(SOURCE, "a.py", Selection())
    assert [(f.code, f.span) for f in profiled.findings] == [(f.code, f.span) for f in plain.findings]
    assert plain.findings and "parse" in timings and "index" in timings
    assert any(key.startswith("rule ") for key in timings)
    assert all(seconds >= -1e-6 for seconds in timings.values())
