"""Applying fixes: choose non-overlapping fixes, apply their edits, repeat until nothing is left."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .document import Document
from .findings import Applicability, Edit, Finding, Fix
from .rule import SYNTAX_ERROR
from .selection import Selection

MAX_ROUNDS = 10


def applicable(fix: Fix, unsafe: bool) -> bool:
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


def _overlaps(a: Edit, b: Edit) -> bool:
    if a == b:
        return False
    if a.span.start == a.span.end == b.span.start == b.span.end:
        return True  # two insertions at one point: their order would be arbitrary
    return a.span.start < b.span.end and b.span.start < a.span.end


def choose_fixes(findings: Iterable[Finding], unsafe: bool = False) -> tuple[list[Finding], list[Edit]]:
    """The findings whose preferred fix can be applied now, and the union of their edits."""
    chosen: list[Finding] = []
    edits: list[Edit] = []
    for finding in sorted(findings, key=lambda f: f.span):
        fix = finding.fix
        if fix is None or not applicable(fix, unsafe):
            continue
        if any(_overlaps(new, old) for new in fix.edits for old in edits):
            continue  # applied in the next round, on the updated text
        chosen.append(finding)
        edits.extend(e for e in fix.edits if e not in edits)
    return chosen, sorted(edits)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    doc = Document(text)
    out, cursor = [], 0
    for edit in sorted(edits):
        start, end = doc.offset(edit.span.start), doc.offset(edit.span.end)
        if start < cursor:
            raise ValueError(f"overlapping edit at {edit.span.start}")
        out.append(text[cursor:start])
        out.append(edit.content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


@dataclass
class FixOutcome:
    text: str
    fixed: list[Finding] = field(default_factory=list)  # findings fixed, over all rounds
    remaining: list[Finding] = field(default_factory=list)
    rounds: int = 0
    converged: bool = True
    errors: list[str] = field(default_factory=list)


def fix_source(
    text: str,
    path: str = "<stdin>",
    selection: Selection | None = None,
    unsafe: bool = False,
    max_rounds: int = MAX_ROUNDS,
) -> FixOutcome:
    """Lint and fix ``text`` until no applicable fix is left. A file that does not parse is
    returned unchanged; a round whose result would not parse is discarded."""
    from .engine import lint_source, parse

    outcome = FixOutcome(text)
    for _ in range(max_rounds):
        result = lint_source(outcome.text, path, selection)
        outcome.errors = result.errors
        outcome.remaining = result.findings
        chosen, edits = choose_fixes(result.findings, unsafe)
        if not chosen or any(f.code == SYNTAX_ERROR for f in result.findings):
            return outcome
        new_text = apply_edits(outcome.text, edits)
        try:
            parse(new_text, path)
        except (SyntaxError, ValueError):
            outcome.errors.append(
                "a fix produced code that does not parse and was discarded: "
                + ", ".join(sorted({f.code for f in chosen}))
            )
            return outcome
        outcome.text = new_text
        outcome.fixed.extend(chosen)
        outcome.rounds += 1
    outcome.converged = False
    return outcome
