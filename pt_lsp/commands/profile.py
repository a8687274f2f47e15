"""``--profile`` (or ``PT_LSP_PROFILE=1``): where a run's CPU time goes, per phase and per rule.

The lint is the engine's, step by step, so that each step can be timed: parse, then each rule.
The shared facts (the node index, the names, the classes, the flow survey) are built when a rule
first asks for them, as in a plain run, and timed apart from that rule. The flow engine analyses
each function on demand: that time stays with the rule that asked.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TextIO

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.engine import lint_source, parse, selected_rules
from pt_lsp.core.findings import FileResult
from pt_lsp.core.noqa import is_suppressed
from pt_lsp.core.rule import IMPORT_ERRORS
from pt_lsp.core.selection import Selection
from pt_lsp.core.walk import MAX_DEPTH

PHASES = ("read", "parse", "index", "names", "classes", "flow")


def profiled_lint(
    text: str, path: str, selection: Selection, honour_noqa: bool, timings: dict[str, float]
) -> FileResult:
    """The findings of ``lint_source`` (which it falls back on for anything unusual: a parse
    error, a rule that crashes), with the time of each phase and rule added to ``timings``."""
    clock = time.process_time  # CPU seconds: on a shared machine wall-clock phases mostly measure the others
    started = clock()
    try:
        tree = parse(text, path)
    except (SyntaxError, ValueError, RecursionError):
        return lint_source(text, path, selection, honour_noqa=honour_noqa)
    timings["parse"] = timings.get("parse", 0.0) + clock() - started
    doc = Document(text)
    ctx = FileContext(path, doc, tree, selection.target_torch)
    ctx.timings = timings  # each fact timed when a rule first asks for it, as in a plain run
    if ctx.index.depth > MAX_DEPTH:  # the engine says so (its depth check asks for the index first)
        return lint_source(text, path, selection, honour_noqa=honour_noqa)
    result = FileResult(path)
    result.errors.extend(f"rule module {name} failed to import: {error}" for name, error in IMPORT_ERRORS.items())
    for rule in selected_rules(selection):
        started, facts = clock(), ctx.facts_seconds
        try:
            result.findings.extend(rule().check(ctx))
        except Exception:  # the engine says what crashed, with its frame
            return lint_source(text, path, selection, honour_noqa=honour_noqa)
        key = f"rule {rule.code}"  # without the shared facts it was the first to ask for
        timings[key] = timings.get(key, 0.0) + clock() - started - (ctx.facts_seconds - facts)
    unique = {(f.code, f.span, f.message): f for f in result.findings if selection.enabled(f.code)}
    result.findings = sorted(unique.values(), key=lambda f: (f.span, f.code))
    if honour_noqa:
        result.findings = [f for f in result.findings if not is_suppressed(doc.line_text(f.line), f.code)]
    return result


def report(timings: Counter[str], wall: float, files: int, out: TextIO) -> None:
    """The table: phases first, then the rules from the slowest; CPU seconds summed over files
    (over every worker: with several jobs the sum exceeds the wall time)."""
    total = sum(timings.values()) or 1e-9
    print(
        f"profile: {files} files, {wall:.3f} s wall, {total:.3f} s of CPU in the phases below (summed over workers)",
        file=out,
    )
    print(f"{'phase':<16} {'CPU s':>9} {'share':>6}", file=out)
    rows = [(p, timings.get(p, 0.0)) for p in PHASES]  # 0: no rule needed that fact in any file
    rows += sorted(((k, v) for k, v in timings.items() if k not in PHASES), key=lambda kv: -kv[1])
    for name, seconds in rows:
        print(f"{name:<16} {seconds:>9.4f} {seconds / total:>6.1%}", file=out)
