"""Collects runtime findings: one per rule and place, however often the place runs."""

from __future__ import annotations

import types
from dataclasses import dataclass, field

from pt_lsp.core.findings import Finding, Related, Severity
from pt_lsp.core.rule import all_rules
from pt_lsp.core.selection import Selection

from .frames import UserCode, Where


class StopOnFinding(BaseException):
    """``--fail-fast``: raised at the first finding. A BaseException, so that the program's
    ``except Exception`` does not swallow it."""

    def __init__(self, finding: RuntimeFinding) -> None:
        super().__init__(f"{finding.finding.code} {finding.finding.message}")
        self.finding = finding


@dataclass
class RuntimeFinding:
    filename: str
    finding: Finding
    count: int = 1  # how many times the place showed the symptom


@dataclass
class Recorder:
    user: UserCode
    selection: Selection = field(default_factory=Selection)
    fail_fast: bool = False
    findings: dict[tuple[str, str, int], RuntimeFinding] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the checks could not see

    def enabled(self, code: str) -> bool:
        return self.selection.enabled(code)

    def caller(self, depth: int = 3, direct: bool = False) -> Where | None:
        """Where the user's code stands (``depth`` frames above the hook that asks)."""
        frame = self.user.frame(depth, direct)
        return None if frame is None else self.user.where(frame)

    def where(self, frame: types.FrameType) -> Where:
        return self.user.where(frame)

    def report(
        self, code: str, where: Where | None, message: str, related: tuple[Related, ...] = (), replace: bool = False
    ) -> None:
        """Record a finding of ``code`` at ``where``; the same rule at the same line counts once
        (``replace``: a more precise message for it wins)."""
        if where is None or not self.selection.enabled(code):
            return
        key = (code, where.filename, where.line)
        known = self.findings.get(key)
        if known is not None:
            if replace:  # the same event, told better
                known.finding = _finding(code, message, where, related)
            else:
                known.count += 1
            return
        entry = RuntimeFinding(where.filename, _finding(code, message, where, related))
        self.findings[key] = entry
        if self.fail_fast:
            raise StopOnFinding(entry)

    def ordered(self) -> list[RuntimeFinding]:
        return sorted(self.findings.values(), key=lambda f: (f.filename, f.finding.span, f.finding.code))


def _finding(code: str, message: str, where: Where, related: tuple[Related, ...]) -> Finding:
    rule = all_rules().get(code)
    name, severity = (rule.name, rule.severity) if rule is not None else (code, Severity.ERROR)
    # A related step in the finding's own file needs no path of its own.
    steps = tuple(Related(r.span, r.message, r.cell, None if r.path == where.filename else r.path) for r in related)
    return Finding(code, name, message, where.span, severity, related=steps)
