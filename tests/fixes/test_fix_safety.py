"""Applying every fix (safe and unsafe) never breaks a file: the harness on every rule example
and every corpus file, and the harness itself catching each kind of unsafe fix."""

from __future__ import annotations

import ast

import pytest
from harness_support import (
    PROGRAMS,
    at,
    corpus_files,
    finding,
    fix_harness,
    fix_statements,
    lint_with,
    numpy_calls,
    span,
    unregistered_rule,
)

from pt_lsp.core.findings import Edit, Finding
from pt_lsp.core.rule import SYNTAX_ERROR, all_rules


def _rule_examples():
    # An example that does not parse (PTL000's bad ones) has no fix to break.
    return [
        pytest.param(example, id=f"{code}-{i}-{example.title[:40]}")
        for code, rule in all_rules().items()
        for i, example in enumerate(rule.examples)
        if (SYNTAX_ERROR not in {c for _, c in example.expected})
    ]


def _assert_safe(report: fix_harness.FileReport) -> None:
    assert report.parsed
    assert report.violations == [], "\n".join(report.violations)


@pytest.mark.parametrize("example", _rule_examples())
def test_fixes_of_rule_example_are_safe(example):
    _assert_safe(fix_harness.check_source(example.code, "<example>"))


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_fixes_of_corpus_file_are_safe(path):
    _assert_safe(fix_harness.check_file(str(path)))


def test_the_real_rules_fix_something_in_the_corpus():
    # Guards the two tests above against passing because nothing was ever fixed.
    applied = sum(fix_harness.check_file(str(p)).fixes_applied for p in corpus_files())
    assert applied >= 10


# -- the harness catches unsafe fixes (test rules that never register) -----------------------------
SOURCE = "import torch\nx = torch.ones(2)\ny = x.numpy()\nz = 1\n"


def test_a_good_fix_passes():
    def check(rule, ctx):
        for call in numpy_calls(ctx):
            value = call.func.value
            if not (isinstance(value, ast.Call) and value.func.attr == "cpu"):
                yield finding(rule, ctx, call, Edit.insert(ctx.doc.node_span(value).end, ".cpu()"))

    report = fix_harness.check_source(SOURCE, "good.py", lint_with(unregistered_rule("PTL991", check)))
    assert report.fixes_applied == 1 and report.rounds == 1
    assert report.text == SOURCE.replace("x.numpy()", "x.cpu().numpy()")
    _assert_safe(report)


def test_a_fix_that_breaks_the_syntax_is_caught():
    rule = unregistered_rule(
        "PTL992",
        lambda r, ctx: [
            finding(r, ctx, call, Edit.insert(ctx.doc.node_span(call).end, "(")) for call in numpy_calls(ctx)
        ],
    )
    report = fix_harness.check_source(SOURCE, "broken.py", lint_with(rule))
    assert report.unparsable and "PTL992" in report.unparsable[0]


def test_a_fix_that_changes_another_statement_is_caught():
    rule = unregistered_rule(
        "PTL993", lambda r, ctx: [finding(r, ctx, call, Edit(span(4, 4, 4, 5), "2")) for call in numpy_calls(ctx)]
    )
    report = fix_harness.check_source(SOURCE, "remote.py", lint_with(rule))
    assert any("line 4" in v and "z = 1" in v for v in report.outside), report.outside


def test_a_fix_that_never_converges_is_caught():
    rule = unregistered_rule(
        "PTL994",
        lambda r, ctx: [
            finding(r, ctx, call, Edit.insert(ctx.doc.node_span(call).end, ".copy()")) for call in numpy_calls(ctx)
        ],
    )
    report = fix_harness.check_source(SOURCE, "loop.py", lint_with(rule))
    assert report.not_converged and report.leftovers


def test_a_fix_needing_more_than_three_rounds_is_caught():
    def check(rule, ctx):
        count = ctx.doc.text.count("# step")
        if count < 4:
            node = ctx.tree.body[-1]
            yield finding(rule, ctx, node, Edit.insert(ctx.doc.node_span(node).end, "  # step"))

    report = fix_harness.check_source(SOURCE, "slow.py", lint_with(unregistered_rule("PTL995", check)))
    assert report.rounds == 4
    assert any("4 rounds" in v for v in report.not_converged)


def test_overlapping_edits_in_one_fix_are_caught():
    def check(rule, ctx):
        for call in numpy_calls(ctx):
            end = ctx.doc.node_span(call.func.value).end
            yield finding(rule, ctx, call, Edit.insert(end, ".cpu()"), Edit.insert(end, ".detach()"))

    report = fix_harness.check_source(SOURCE, "overlap.py", lint_with(unregistered_rule("PTL996", check)))
    assert any("overlap" in v for v in report.overlaps)


def test_an_edit_outside_the_document_is_caught():
    rule = unregistered_rule(
        "PTL997", lambda r, ctx: [finding(r, ctx, call, Edit.insert(at(99, 0), "# end\n")) for call in numpy_calls(ctx)]
    )
    report = fix_harness.check_source(SOURCE, "outside.py", lint_with(rule))
    assert any("outside the document" in v for v in report.overlaps)


def test_an_internal_error_is_reported():
    def check(rule, ctx):
        raise KeyError("boom")

    report = fix_harness.check_source(SOURCE, "crash.py", lint_with(unregistered_rule("PTL998", check)))
    assert report.errors and "PTL998 crashed" in report.errors[0]


def test_a_file_that_does_not_parse_is_skipped_not_failed():
    report = fix_harness.check_source("def f(:\n", "syntax.py")
    assert not report.parsed and report.violations == []


# -- the statement comparison -----------------------------------------------------------------------
LOOP = """\
import torch
for batch in loader:
    out, hidden = model(batch, hidden)
    loss = crit(out)
    if ok:
        loss.backward()
    log(loss)
"""


def _findings(code: str, text: str, line: int) -> list[Finding]:
    return [Finding(code, "test-rule", "m", span(line, 0, line, len(text.splitlines()[line - 1])))]


def _outside(before: str, after: str, code: str, line: int) -> list[str]:
    edits = [Edit(span(1, 0, before.count("\n") + 1, 0), after)]  # one edit: all text inserted
    return fix_statements.changes_outside(before, after, _findings(code, before, line), edits)


def test_freed_graph_fix_may_detach_at_the_top_of_the_enclosing_loop():
    after = LOOP.replace("    out, hidden", "    hidden = hidden.detach()\n    out, hidden")
    assert _outside(LOOP, after, "PTL201", 6) == []


def test_statements_may_be_inserted_before_the_fixed_one_in_its_block_but_not_after():
    before_it = LOOP.replace("    loss = crit(out)", "    opt.zero_grad()\n    loss = crit(out)")
    assert _outside(LOOP, before_it, "PTL204", 7) == []
    assert _outside(LOOP, before_it, "PTL204", 3) == []  # right after the fixed statement
    far_after = LOOP + "    opt.zero_grad()\n"
    assert _outside(LOOP, far_after, "PTL204", 3) != []
    with_setup = LOOP.replace("import torch\n", "import torch\nsetup()\n")
    elsewhere = with_setup.replace("setup()\n", "opt.zero_grad()\nsetup()\n")
    assert _outside(with_setup, elsewhere, "PTL204", 8) != []
    # Right before the statement that holds the finding is fine (a call moved before an `if`).
    next_to_it = with_setup.replace("setup()\n", "setup()\nopt.zero_grad()\n")
    assert _outside(with_setup, next_to_it, "PTL204", 8) == []
    # A finding nested deeper (in the `if`) does not license insertions in the loop body.
    assert _outside(LOOP, before_it, "PTL204", 6) != []


def test_a_statement_moved_next_to_the_finding_is_part_of_the_fix():
    text = "class Net(nn.Module):\n    def __init__(self):\n        self.fc = nn.Linear(2, 2)\n        self.k = 3\n        super().__init__()\n"
    moved = "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(2, 2)\n        self.k = 3\n"
    assert _outside(text, moved, "PTL303", 3) == []
    changed = moved.replace("super().__init__()", "super().__init__(3)")
    assert _outside(text, changed, "PTL303", 3) != []


def test_changes_after_the_finding_are_outside_even_for_freed_graph():
    after = LOOP.replace("log(loss)", "log(loss.item())")
    assert _outside(LOOP, after, "PTL201", 6) != []


def test_imports_may_change_and_the_flagged_statement_may_change():
    after = LOOP.replace("import torch\n", "").replace("loss.backward()", "loss.sum().backward()")
    assert _outside(LOOP, after, "PTL401", 6) == []


def test_a_no_grad_wrapper_counts_as_its_body():
    text = "w = f()\nw.data -= 0.1 * w.grad\nprint(w)\n"
    wrapped = "w = f()\nwith torch.no_grad():\n    w -= 0.1 * w.grad\nprint(w)\n"
    edit = [Edit(span(2, 0, 2, 22), "with torch.no_grad():\n    w -= 0.1 * w.grad")]
    found = _findings("PTL102", text, 2)
    assert fix_statements.changes_outside(text, wrapped, found, edit) == []
    # Wrapping the untouched print as well is a change outside the finding's statement.
    wider = "w = f()\nwith torch.no_grad():\n    w -= 0.1 * w.grad\n    print(w)\n"
    edit = [Edit(span(2, 0, 3, 8), "with torch.no_grad():\n    w -= 0.1 * w.grad\n    print(w)")]
    assert fix_statements.changes_outside(text, wider, found, edit) != []


def test_an_existing_no_grad_block_is_compared_body_by_body():
    text = "with torch.no_grad():\n    a = x.numpy()\n    b = 1\n"
    after = "with torch.no_grad():\n    a = x.cpu().numpy()\n    b = 1\n"
    edit = [Edit.insert(at(2, 9), ".cpu()")]
    assert fix_statements.changes_outside(text, after, _findings("PTL401", text, 2), edit) == []
    changed = "with torch.no_grad():\n    a = x.cpu().numpy()\n    b = 2\n"
    assert fix_statements.changes_outside(text, changed, _findings("PTL401", text, 2), edit) != []


def test_a_no_grad_wrapper_around_a_loop_must_not_take_other_statements_with_it():
    text = "for p in ps:\n    p.data.add_(g)\n    log(p)\n"
    wrapped = "with torch.no_grad():\n    for p in ps:\n        p.add_(g)\n        log(p)\n"
    edit = [Edit(span(1, 0, 3, 10), wrapped.rstrip("\n"))]
    assert fix_statements.changes_outside(text, wrapped, _findings("PTL102", text, 2), edit) != []
    only_updates = "for p in ps:\n    p.data.add_(g)\n"
    fixed = "with torch.no_grad():\n    for p in ps:\n        p.add_(g)\n"
    edit = [Edit(span(1, 0, 2, 18), fixed.rstrip("\n"))]
    assert fix_statements.changes_outside(only_updates, fixed, _findings("PTL102", only_updates, 2), edit) == []


# -- the command --------------------------------------------------------------------------------------
def test_command_prints_the_figures_and_exits_0_when_all_is_safe(capsys):
    assert fix_harness.main([str(PROGRAMS), "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "files checked:                         6" in out
    assert "unparsable results:                    0" in out
    assert "non-converging files:                  0" in out
    assert "violations" not in out


def test_command_exits_1_and_lists_a_violation(tmp_path, capsys, monkeypatch):
    (tmp_path / "a.py").write_text(SOURCE, encoding="utf-8")
    broken = unregistered_rule(
        "PTL999",
        lambda r, ctx: [
            finding(r, ctx, call, Edit.insert(ctx.doc.node_span(call).end, "(")) for call in numpy_calls(ctx)
        ],
    )
    monkeypatch.setattr(fix_harness, "_default_lint", lint_with(broken))
    monkeypatch.setattr(fix_harness, "ProcessPoolExecutor", _InlineExecutor)  # keep the patch in-process
    assert fix_harness.main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "unparsable results:                    1" in out and "PTL999" in out


class _InlineExecutor:
    def __init__(self, max_workers=None):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, fn, items, chunksize=1):
        return map(fn, items)


def test_torch_is_located_without_importing_it():
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, 'scripts'); import fix_harness; "
        "p = fix_harness.torch_source(); assert (p / '__init__.py').exists(); "
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=fix_harness.Path(fix_harness.__file__).parents[1],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_a_closing_statement_may_be_added_at_the_end_of_the_scope_only_for_resource_rules():
    text = "w = Writer()\nfor s in steps:\n    w.add(s)\n"
    after = text + "w.close()\n"
    edit = [Edit.insert(at(4, 0), "w.close()\n")]
    assert fix_statements.changes_outside(text, after, _findings("PTL501", text, 1), edit) == []
    assert fix_statements.changes_outside(text, after, _findings("PTL401", text, 1), edit) != []
    changed = "w = Writer()\nfor s in steps:\n    w.add(s, 1)\nw.close()\n"
    assert fix_statements.changes_outside(text, changed, _findings("PTL501", text, 1), edit) != []
