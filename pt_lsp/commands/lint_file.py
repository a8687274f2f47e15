"""One file's work for `pt-lsp check`: read, lint or fix, write, diff. Runs in worker processes,
so tasks and outcomes are plain picklable data, and it never raises."""

from __future__ import annotations

import traceback
from collections import Counter
from dataclasses import dataclass, field

from pt_lsp.core.engine import lint_source
from pt_lsp.core.filefix import NotebookFile, SourceFile, Unlintable, read_bytes, write_atomic
from pt_lsp.core.fixes import fix_source
from pt_lsp.core.selection import Selection
from pt_lsp.report.diff import notebook_cell_diffs, unified_diff
from pt_lsp.report.model import Located

from .notebooks import fix_cells, lint_cells, to_cells

CHECK, FIX, DIFF = "check", "fix", "diff"


@dataclass(frozen=True)
class FileTask:
    path: str
    selection: Selection
    mode: str = CHECK  # check | fix (write the fixes) | diff (show them, write nothing)
    unsafe: bool = False
    stdin: bytes | None = None  # the source, when it comes from stdin


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


def is_notebook(path: str) -> bool:
    return path.lower().endswith(".ipynb")


def process(task: FileTask) -> FileOutcome:
    outcome = FileOutcome(task.path)
    try:
        data = task.stdin if task.stdin is not None else read_bytes(task.path)
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
        frame = traceback.extract_tb(error.__traceback__)[-1]
        outcome.errors.append(
            f"internal error: {type(error).__name__}: {error} ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
        )
    return outcome


def _python(task: FileTask, data: bytes, outcome: FileOutcome) -> None:
    source = SourceFile.decode(data)
    if task.mode == CHECK:
        result = lint_source(source.text, task.path, task.selection)
        outcome.errors.extend(result.errors)
        outcome.skipped = result.message
        outcome.findings = [Located(task.path, finding) for finding in result.findings]
        return
    fixed = fix_source(source.text, task.path, task.selection, task.unsafe)
    outcome.errors.extend(fixed.errors)
    outcome.findings = [Located(task.path, finding) for finding in fixed.remaining]
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
        outcome.diff = unified_diff(task.path, source.text, fixed.text)
    elif task.stdin is None:
        _write(task.path, new_bytes, outcome)


def _notebook(task: FileTask, data: bytes, outcome: FileOutcome) -> None:
    notebook = NotebookFile.decode(data)
    sources = notebook.code_cells()
    if not sources or not any(source.strip() for _, source in sources):
        outcome.empty = True
        return
    if task.mode == CHECK:
        joined, result = lint_cells(sources, task.path, task.selection)
        outcome.errors.extend(result.errors)
        outcome.skipped = result.message
        outcome.findings = [Located(task.path, c.finding, c.cell) for c in to_cells(joined, result.findings)]
        return
    fixed = fix_cells(sources, task.path, task.selection, task.unsafe)
    outcome.errors.extend(fixed.errors)
    outcome.findings = [Located(task.path, c.finding, c.cell) for c in to_cells(fixed.joined, fixed.remaining)]
    if not fixed.converged:
        outcome.warnings.append("fixes did not converge")
    changed = fixed.changed(sources)
    if not changed:
        return
    outcome.fixed.update((f.code, f.name) for f in fixed.fixed)
    outcome.output = notebook.with_sources(changed)
    if task.mode == DIFF:
        outcome.diff = notebook_cell_diffs(task.path, dict(sources), dict(fixed.sources))
    elif task.stdin is None:
        _write(task.path, outcome.output, outcome)


def _write(path: str, data: bytes, outcome: FileOutcome) -> None:
    try:
        write_atomic(path, data)
    except OSError as error:
        outcome.errors.append(f"could not write the fixed file: {error.strerror or error}")
        outcome.fixed.clear()
