"""The static findings of the files that ran, whether their lines ran, and how they compare with
the runtime findings.

Line coverage is a ``sys.settrace`` scoped to the user's code and to the lines of static
findings: a code object without such a line gets no local tracer, a frame stops tracing once its
lines have all run, and the tracer is off while no such line is pending (Python 3.11 has no
``sys.monitoring``).
"""

from __future__ import annotations

import importlib.abc
import sys
import types
from dataclasses import dataclass, field
from typing import Any

from pt_lsp.core.engine import lint_source
from pt_lsp.core.filefix import SourceFile
from pt_lsp.core.findings import Finding
from pt_lsp.core.selection import Selection

from .frames import UserCode
from .recorder import RuntimeFinding

CONFIRMED = "confirmed"  # a static finding the run showed, or a runtime finding the static pass found
NO_SYMPTOM = "no-symptom"  # its line ran and the rule's check saw nothing: a candidate false alarm
NOT_REACHED = "not-reached"  # its line never ran
NOT_CHECKED = "not-checked"  # no runtime check for its rule (or the check was not selected)
RUNTIME_ONLY = "runtime-only"  # the static pass missed it


@dataclass
class StaticFinding:
    filename: str
    finding: Finding
    status: str = NOT_CHECKED


@dataclass
class CrossCheck:
    ran: bool = False  # False under --no-crosscheck: nothing was compared, so nothing is reported
    static: list[StaticFinding] = field(default_factory=list)
    confirms: dict[int, StaticFinding] = field(default_factory=dict)  # id(RuntimeFinding) -> static finding
    errors: list[str] = field(default_factory=list)

    def counts(self, runtime: list[RuntimeFinding]) -> dict[str, int]:
        counts = {CONFIRMED: 0, NO_SYMPTOM: 0, NOT_REACHED: 0, NOT_CHECKED: 0}
        for static in self.static:
            counts[static.status] += 1
        counts[RUNTIME_ONLY] = sum(1 for f in runtime if id(f) not in self.confirms)
        return counts


class Coverage:
    """Lints each user file the program runs (once) and records which of its static findings' lines
    ran. The trace function is on only while some static finding's line has not run yet: files are
    linted when imported (``_ImportWatch``), and tracing stops once every such line ran."""

    def __init__(self, user: UserCode, selection: Selection) -> None:
        self.user = user
        self.selection = selection
        self.static: dict[str, list[Finding]] = {}
        self.errors: list[str] = []
        self.hit: dict[str, set[int]] = {}
        self._targets: dict[str, set[int]] = {}
        self._pending: dict[types.CodeType, set[int] | None] = {}
        self._remaining = 0  # target lines not run yet, all files together
        self._running = False
        self._watch: _ImportWatch | None = None

    def lint(self, filename: str) -> None:
        if filename in self.static:
            return
        self.static[filename] = []
        self.hit[filename] = set()
        self._targets[filename] = set()
        try:
            with open(filename, "rb") as handle:
                text = SourceFile.decode(handle.read()).text
        except Exception as error:  # unreadable, binary, too large: it ran, but cannot be linted
            self.errors.append(f"{filename}: not linted ({error})")
            return
        result = lint_source(text, filename, self.selection)
        self.errors.extend(f"{filename}: {error}" for error in result.errors)
        self.static[filename] = result.findings
        # A finding counts as reached when the line it starts on runs.
        self._targets[filename] = {finding.span.start.line for finding in result.findings}
        self._remaining += len(self._targets[filename])
        if self._running and self._remaining:
            sys.settrace(self._call)

    def start(self) -> None:
        self._running = True
        self._watch = _ImportWatch(self)
        sys.meta_path.insert(0, self._watch)
        if self._remaining:
            sys.settrace(self._call)

    def stop(self) -> None:
        self._running = False
        sys.settrace(None)
        if self._watch is not None and self._watch in sys.meta_path:
            sys.meta_path.remove(self._watch)

    def _lines_of(self, code: types.CodeType) -> set[int] | None:
        filename = code.co_filename
        if not self.user.is_user_file(filename):
            return None
        self.lint(filename)
        targets = self._targets[filename]
        if not targets:
            return None
        lines = {line for _, _, line in code.co_lines() if line is not None} & targets
        return (lines - self.hit[filename]) or None

    def _call(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        code = frame.f_code
        try:
            pending = self._pending[code]
        except KeyError:
            pending = self._pending[code] = self._lines_of(code)
        return self._line if pending else None

    def _line(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        pending = self._pending.get(frame.f_code)
        if not pending:
            return None
        if event == "line" and frame.f_lineno in pending:
            pending.discard(frame.f_lineno)
            hit = self.hit[frame.f_code.co_filename]
            if frame.f_lineno not in hit:
                hit.add(frame.f_lineno)
                self._remaining -= 1
                if self._remaining <= 0:  # every static finding's line ran: stop paying for the tracer
                    sys.settrace(None)
        return self._line


class _ImportWatch(importlib.abc.MetaPathFinder):
    """Lints a user module when it is imported (the spec is the one the other finders give)."""

    def __init__(self, coverage: Coverage) -> None:
        self.coverage = coverage
        self._busy = False

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if self._busy:
            return None
        self._busy = True
        try:
            spec = None
            for finder in sys.meta_path:
                find = getattr(finder, "find_spec", None)
                if finder is not self and find is not None:
                    spec = find(name, path, target)
                    if spec is not None:
                        break
        finally:
            self._busy = False
        origin = getattr(spec, "origin", None)
        if origin and origin.endswith(".py") and self.coverage.user.is_user_file(origin):
            self.coverage.lint(origin)
        return spec


def compare(coverage: Coverage, runtime: list[RuntimeFinding], checked: set[str]) -> CrossCheck:
    """Match each runtime finding with a static finding of its rule whose lines contain it."""
    for entry in runtime:
        coverage.lint(entry.filename)
    result = CrossCheck(ran=True, errors=list(coverage.errors))
    by_place: dict[tuple[str, str], list[StaticFinding]] = {}
    for filename, findings in coverage.static.items():
        for finding in findings:
            static = StaticFinding(filename, finding)
            result.static.append(static)
            by_place.setdefault((filename, finding.code), []).append(static)
            if finding.code not in checked:
                continue
            ran = finding.span.start.line in coverage.hit.get(filename, ())
            static.status = NO_SYMPTOM if ran else NOT_REACHED
    for entry in runtime:
        line = entry.finding.span.start.line
        for static in by_place.get((entry.filename, entry.finding.code), []):
            if static.finding.span.start.line <= line <= static.finding.span.end.line:
                static.status = CONFIRMED
                result.confirms[id(entry)] = static
                break
    return result
