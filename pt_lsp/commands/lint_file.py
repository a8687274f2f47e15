"""One file's work for `pt-lsp check`: read, lint or fix, write, diff. Runs in worker processes,
so tasks and outcomes are plain picklable data, and it never raises."""

from __future__ import annotations

import ast
import dataclasses
import gc
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pt_lsp.core.filefix import NotebookFile, SourceFile, Unlintable, read_bytes, write_atomic
from pt_lsp.report.model import Located

if TYPE_CHECKING:
    from pt_lsp.core.findings import FileResult, Finding
    from pt_lsp.core.fixes import FixOutcome
    from pt_lsp.core.notebook import JoinedCells
    from pt_lsp.core.selection import Selection

# The engine, the rules and the notebook and diff helpers are imported where they are used:
# a run answered from the cache, or a worker forked after the parent imported them, pays nothing.
SYNTAX_ERROR = "PTL000"  # pt_lsp.core.rule.SYNTAX_ERROR, without importing the registry

CHECK, FIX, DIFF, ADD_NOQA = "check", "fix", "diff", "add-noqa"
WRITING: list[str] = []  # the file this process is writing: a worker ended mid-write cleans up after it


@dataclass(frozen=True)
class FileTask:
    path: str
    selection: Selection
    mode: str = CHECK  # check | fix (write the fixes) | diff (show them, write nothing)
    unsafe: bool = False
    stdin: bytes | None = None  # the source, when it comes from stdin
    honour_noqa: bool = True  # --ignore-noqa: False
    fixable: Selection | None = None  # whose fixes --fix may apply (None: every rule's)
    target_version: tuple[int, int] | None = None  # the oldest Python the code must parse under
    profile: bool = False  # time the phases and rules (--profile)
    data: bytes | None = None  # the file's bytes, when the parent read them already (the cache)


@dataclass
class FileOutcome:
    path: str
    findings: list[Located] = field(default_factory=list)  # what is left to report
    fixed: Counter = field(default_factory=Counter)  # (code, name) -> count
    errors: list[str] = field(default_factory=list)  # internal errors: exit code 2
    warnings: list[str] = field(default_factory=list)
    skipped: str | None = None  # why the file was not linted
    empty: bool = False
    diff: str = ""
    output: bytes | None = None  # the fixed file's bytes (what --fix on stdin prints)
    noqa_added: int = 0  # --add-noqa: comments written
    timings: dict[str, float] = field(default_factory=dict)  # --profile: seconds per phase and rule
    reads: dict[str, str] = field(default_factory=dict)  # project files the analysis read -> content hash


def preload() -> None:
    """Import what linting needs (the engine, every rule): before forking workers, so that
    each inherits them instead of importing them again."""
    from pt_lsp.core.fixes import fix_source  # noqa: F401  (imported for its side effect)
    from pt_lsp.core.rule import all_rules

    from . import notebooks  # noqa: F401

    all_rules()


# Linting allocates millions of short-lived syntax nodes, and the default collector threshold
# (700) runs a collection every few hundred of them: about a sixth of a run's time on torch's
# source. The engine closes the flow facts when a file's rules are done, so reference counts free
# its tree and facts; what small cycles remain (rules' helpers that refer back to the context) go
# in `process_collected`'s one collection per file, while young; the threshold is a safety net
# for one huge file. Left to age instead, every older collection walked them again.
GC_THRESHOLD = (200_000, 20, 100)


@contextmanager
def collector_tuned() -> Iterator[None]:
    """Collect garbage rarely while linting many files (restored afterwards)."""
    previous = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def is_clean(outcome: FileOutcome) -> bool:
    """Nothing to say about the file: a worker sends back only its index (results stay small).
    A file whose analysis read other files is not clean: the cache keeps what it read."""
    return not (
        outcome.findings
        or outcome.fixed
        or outcome.errors
        or outcome.warnings
        or outcome.skipped
        or outcome.empty
        or outcome.diff
        or outcome.output is not None
        or outcome.noqa_added
        or outcome.timings
        or outcome.reads
    )


def process_collected(task: FileTask) -> FileOutcome:
    """``process(task)``, then a collection of the young generations: the cycles the file left
    go at once, before they are promoted and walked again (before the engine closed the flow
    facts, the whole tree was in them: 63 -> 53 MB resident and 3-6% less CPU on torch's source)."""
    try:
        return process(task)
    finally:
        gc.collect(1)


def process_chunk(chunk: list[tuple[int, FileTask]]) -> list[tuple[int, FileOutcome]]:
    """A worker's share: several files per message, and only the outcomes worth sending."""
    with collector_tuned():
        done = [(index, process_collected(task)) for index, task in chunk]
    return [(index, outcome) for index, outcome in done if not is_clean(outcome)]


def is_notebook(path: str) -> bool:
    return path.lower().endswith(".ipynb")


def process(task: FileTask) -> FileOutcome:
    outcome = FileOutcome(task.path)
    try:
        started = time.process_time()  # --profile times CPU, as the other phases
        data = task.stdin if task.stdin is not None else task.data if task.data is not None else read_bytes(task.path)
        if task.profile:
            outcome.timings["read"] = time.process_time() - started
        if not data.strip():
            outcome.empty = True
        elif is_notebook(task.path):
            _notebook(task, data, outcome)
        else:
            _python(task, data, outcome)
    except Unlintable as reason:
        outcome.skipped = str(reason)
    except (MemoryError, RecursionError) as error:  # CPython's parser gives up on deep nesting
        outcome.findings.clear()
        outcome.skipped = f"too deeply nested to analyse ({type(error).__name__})"
    except Exception as error:  # a bug of ours must cost one file, not the run
        import traceback  # only when something crashed

        frame = traceback.extract_tb(error.__traceback__)[-1]
        outcome.errors.append(
            f"internal error: {type(error).__name__}: {error} ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
        )
    project = sys.modules.get("pt_lsp.core.flow.project_files")  # loaded when the flow engine ran
    if project is not None:
        outcome.reads = project.take_reads(task.path)
    return outcome


def _lint(task: FileTask, text: str, outcome: FileOutcome) -> FileResult:
    """One lint of ``text`` with the task's settings (timed per phase under --profile)."""
    from pt_lsp.core.engine import lint_source

    if task.profile:
        from .profile import profiled_lint

        result = profiled_lint(text, task.path, task.selection, task.honour_noqa, outcome.timings)
    else:
        result = lint_source(text, task.path, task.selection, honour_noqa=task.honour_noqa)
    result.findings = _targeted(task, text, result.findings)
    return result


def _targeted(task: FileTask, text: str, findings: list[Finding]) -> list[Finding]:
    """The findings with --target-version's PTL000 (``text``: a file's, or a notebook's joined cells)."""
    if task.target_version is not None and task.selection.enabled(SYNTAX_ERROR):
        return _target_syntax(text, task.path, task.target_version, findings)
    return findings


def _target_syntax(text: str, path: str, version: tuple[int, int], findings: list[Finding]) -> list[Finding]:
    """--target-version: syntax newer than the target is a PTL000 that says so; and where the
    target is newer than the Python pt-lsp runs on, a parse error says that instead."""
    from pt_lsp.core.engine import syntax_error_finding

    running = sys.version_info[:2]
    wanted = f"{version[0]}.{version[1]}"
    if any(f.code == SYNTAX_ERROR for f in findings):
        if version <= running:
            return findings
        here = f"{running[0]}.{running[1]}"
        hint = f" (pt-lsp runs on Python {here}, older than target-version {wanted}: run it under {wanted})"
        return [dataclasses.replace(f, message=f.message + hint) if f.code == SYNTAX_ERROR else f for f in findings]
    if version >= running:
        return findings
    try:
        ast.parse(text, path, feature_version=version)
    except SyntaxError as error:
        from pt_lsp.core.document import Document

        finding = syntax_error_finding(Document(text), error)
        message = f"SyntaxError under Python {wanted} (target-version): {error.msg}"
        return sorted([*findings, dataclasses.replace(finding, message=message)], key=lambda f: (f.span, f.code))
    return findings


def _fix_source(task: FileTask, text: str) -> FixOutcome:
    """--fix: every enabled rule's fixes, or only the fixable ones' (then the rest are linted
    again with the full selection, without the fixes --fix may not apply)."""
    from pt_lsp.core.engine import lint_source
    from pt_lsp.core.fixes import fix_source

    fixing = _fixing(task)
    if fixing is None:
        return fix_source(text, task.path, task.selection, task.unsafe)
    fixed = fix_source(text, task.path, fixing, task.unsafe)
    result = lint_source(fixed.text, task.path, task.selection)
    fixed.remaining = [_without_fixes(f, task.fixable) for f in result.findings]
    fixed.errors.extend(e for e in result.errors if e not in fixed.errors)
    return fixed


def _fixing(task: FileTask) -> Selection | None:
    """The rules --fix may apply the fixes of: the enabled ones that are fixable (None: all)."""
    from pt_lsp.core.rule import all_rules

    if task.fixable is None:
        return None
    codes = [code for code in all_rules() if task.selection.enabled(code) and task.fixable.enabled(code)]
    return dataclasses.replace(task.selection, select=tuple(codes), ignore=())


def _without_fixes(finding: Finding, fixable: Selection | None) -> Finding:
    """An unfixable rule's finding shows no fix (no ``[*]``), as in ruff."""
    if fixable is None or fixable.enabled(finding.code) or not finding.fixes:
        return finding
    return dataclasses.replace(finding, fixes=())


def _python(task: FileTask, data: bytes, outcome: FileOutcome) -> None:
    from pt_lsp.core.engine import lint_source

    source = SourceFile.decode(data)
    if task.mode in (CHECK, ADD_NOQA):
        result = _lint(task, source.text, outcome)
        outcome.errors.extend(result.errors)
        outcome.skipped = result.message
        outcome.findings = [Located(task.path, _without_fixes(f, task.fixable)) for f in result.findings]
        if task.mode == ADD_NOQA:
            _add_noqa(task, source, outcome)
        return
    fixed = _fix_source(task, source.text)
    outcome.errors.extend(fixed.errors)
    outcome.skipped = fixed.message  # not analysed (too deep): said as in check mode, not passed
    outcome.findings = [Located(task.path, finding) for finding in _targeted(task, fixed.text, fixed.remaining)]
    if not fixed.converged:
        outcome.warnings.append(f"fixes did not converge after {fixed.rounds} rounds")
    if fixed.text == source.text:
        return
    try:
        new_bytes = source.encode(fixed.text)
    except UnicodeEncodeError as error:
        outcome.errors.append(f"a fix is not representable in {source.encoding}; file left unchanged ({error.reason})")
        return
    outcome.fixed.update((f.code, f.name) for f in fixed.fixed)
    outcome.output = new_bytes
    if task.mode == DIFF:
        from pt_lsp.report.diff import unified_diff  # difflib: only for --diff

        outcome.diff = unified_diff(task.path, source.text, fixed.text)
    elif task.stdin is None and not _write(task.path, new_bytes, outcome):
        # nothing was written: what the file still has is reported, fixes included
        result = lint_source(source.text, task.path, task.selection, honour_noqa=task.honour_noqa)
        outcome.findings = [Located(task.path, _without_fixes(f, task.fixable)) for f in result.findings]


def _add_noqa(task: FileTask, source: SourceFile, outcome: FileOutcome) -> None:
    from pt_lsp.core.noqa import add_noqa_comments
    from pt_lsp.core.rule import all_rules

    codes_by_line: dict[int, set[str]] = {}
    for loc in outcome.findings:
        if loc.finding.code != SYNTAX_ERROR and all_rules().get(loc.finding.code, None) is not None:
            if getattr(all_rules()[loc.finding.code], "suppressible", True):
                codes_by_line.setdefault(loc.finding.line, set()).add(loc.finding.code)
    new_text, added = add_noqa_comments(source.text, codes_by_line)
    outcome.findings = []
    if not added:
        return
    if task.stdin is not None:
        outcome.output = source.encode(new_text)
        outcome.noqa_added = added
    elif _write(task.path, source.encode(new_text), outcome):
        outcome.noqa_added = added


def _notebook(task: FileTask, data: bytes, outcome: FileOutcome) -> None:
    from pt_lsp.report.diff import notebook_cell_diffs

    from .notebooks import fix_cells, lint_cells

    notebook = NotebookFile.decode(data)
    sources = notebook.code_cells()
    if not sources or not any(source.strip() for _, source in sources):
        outcome.empty = True
        return
    if task.mode in (CHECK, ADD_NOQA):  # --add-noqa leaves notebooks alone: their findings are reported
        joined, result = lint_cells(sources, task.path, task.selection, task.honour_noqa)
        outcome.errors.extend(result.errors)
        outcome.skipped = result.message
        outcome.findings = _cell_findings(task, joined, result.findings)
        return
    fixed = fix_cells(sources, task.path, task.selection, task.unsafe, fixing=_fixing(task))
    outcome.errors.extend(fixed.errors)
    outcome.findings = _cell_findings(task, fixed.joined, fixed.remaining)
    if not fixed.converged:
        outcome.warnings.append("fixes did not converge")
    changed = fixed.changed(sources)
    if not changed:
        return
    outcome.fixed.update((f.code, f.name) for f in fixed.fixed)
    outcome.output = notebook.with_sources(changed)
    if task.mode == DIFF:
        outcome.diff = notebook_cell_diffs(task.path, dict(sources), dict(fixed.sources))
    elif task.stdin is None and not _write(task.path, outcome.output, outcome):
        joined, result = lint_cells(sources, task.path, task.selection, task.honour_noqa)
        outcome.findings = _cell_findings(task, joined, result.findings)


def _cell_findings(task: FileTask, joined: JoinedCells, findings: list[Finding]) -> list[Located]:
    """A notebook's findings, per cell, with --target-version and --unfixable as for a file."""
    from .notebooks import to_cells

    findings = _targeted(task, joined.text, findings)
    return [Located(task.path, _without_fixes(c.finding, task.fixable), c.cell) for c in to_cells(joined, findings)]


def _writable(path: str) -> None:
    """A read-only file (no write bit, or not writable by us) is the user's "leave it alone":
    replacing it through a rename would succeed, so say no before (as ruff's in-place write)."""
    import errno
    import os
    import stat

    mode = os.stat(path).st_mode
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, "Permission denied (the file is read-only)", path)


def _write(path: str, data: bytes, outcome: FileOutcome) -> bool:
    """Write ``data`` over ``path``; on failure the file is left as it was, the error said,
    and nothing counted as fixed."""
    WRITING.append(path)
    try:
        _writable(path)
        write_atomic(path, data)
    except OSError as error:
        outcome.errors.append(f"could not write the fixed file, left unchanged: {error.strerror or error}")
        outcome.fixed.clear()
        outcome.output = None
        return False
    finally:
        WRITING.remove(path)
    return True


def outcome_to_cache(outcome: FileOutcome) -> dict | None:
    """What the cache keeps of a checked file; None for an outcome not worth keeping (an
    internal error may be gone next run)."""
    from pt_lsp.core.cache import finding_to_json

    if outcome.errors:
        return None
    return {
        "findings": [[loc.cell, finding_to_json(loc.finding)] for loc in outcome.findings],
        "warnings": outcome.warnings,
        "skipped": outcome.skipped,
        "empty": outcome.empty,
        "reads": outcome.reads,
    }


def outcome_from_cache(path: str, entry: dict) -> FileOutcome:
    from pt_lsp.core.cache import finding_from_json

    return FileOutcome(
        path,
        findings=[Located(path, finding_from_json(value), cell) for cell, value in entry["findings"]],
        warnings=list(entry["warnings"]),
        skipped=entry["skipped"],
        empty=entry["empty"],
    )
