"""Applying fixes: choose non-overlapping fixes, apply their edits, repeat until nothing is left."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .document import Document
from .findings import Applicability, Edit, Finding, Fix
from .rule import SYNTAX_ERROR
from .selection import Selection

MAX_ROUNDS = 10
S = TypeVar("S")  # what is being fixed: a source text, a notebook's cells


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
    message: str | None = None  # why the text was not analysed (too deep), as FileResult.message


@dataclass
class Linted(Generic[S]):
    """One round's input to the fix loop: the state, its findings and internal errors."""

    state: S
    findings: list[Finding]
    errors: list[str]
    fixable: bool = True  # False: nothing may be fixed (the source does not parse)
    message: str | None = None  # why it was not analysed at all


@dataclass
class LoopOutcome(Generic[S]):
    last: Linted[S]  # the state reached and its findings
    fixed: list[Finding] = field(default_factory=list)  # findings fixed, over all rounds
    rounds: int = 0
    converged: bool = True
    errors: list[str] = field(default_factory=list)  # internal errors and discarded rounds


def fix_loop(
    start: Linted[S],
    lint: Callable[[S], Linted[S]],
    apply: Callable[[S, list[Edit]], S],
    valid: Callable[[S, S], bool],
    unsafe: bool,
    eligible: Callable[[S, Finding], bool] = lambda state, finding: True,
    max_rounds: int = MAX_ROUNDS,
) -> LoopOutcome[S]:
    """Apply the applicable fixes of ``start`` round by round until none is left. A round whose
    result is not ``valid`` (it would not compile) is discarded and ends the loop."""
    outcome = LoopOutcome(start, errors=list(start.errors))
    for _ in range(max_rounds):
        current = outcome.last
        if not current.fixable:
            return outcome
        chosen, edits = choose_fixes([f for f in current.findings if eligible(current.state, f)], unsafe)
        if not chosen:
            return outcome
        new_state = apply(current.state, edits)
        if not valid(current.state, new_state):
            codes = ", ".join(sorted({f.code for f in chosen}))
            outcome.errors = outcome.errors + [f"a fix produced code that does not compile and was discarded: {codes}"]
            return outcome
        outcome.last = lint(new_state)
        outcome.errors = list(outcome.last.errors)
        outcome.fixed.extend(chosen)
        outcome.rounds += 1
    current = outcome.last
    outcome.converged = not any(
        f.fix is not None and applicable(f.fix, unsafe) and eligible(current.state, f) for f in current.findings
    )
    return outcome


def compile_error(text: str, path: str) -> str | None:
    """Why ``text`` does not compile, or None. ``compile()``, not ``ast.parse``: a fix may also
    break what only the compiler checks (a repeated keyword, ``return`` outside a function)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences are not the fix's doing
            compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return str(error)
    return None


def still_compiles(old: str, new: str, path: str) -> bool:
    """A fixed text compiles, or fails exactly as the original did (a fragment that never
    compiled, e.g. a notebook's top-level ``await``)."""
    error = compile_error(new, path)
    return error is None or error == compile_error(old, path)


def fix_source(
    text: str,
    path: str = "<stdin>",
    selection: Selection | None = None,
    unsafe: bool = False,
    max_rounds: int = MAX_ROUNDS,
) -> FixOutcome:
    """Lint and fix ``text`` until no applicable fix is left. A file that does not parse is
    returned unchanged; a round whose result would not compile is discarded."""
    from .engine import lint_source

    def lint(source: str) -> Linted[str]:
        result = lint_source(source, path, selection)
        parsed = not any(f.code == SYNTAX_ERROR for f in result.findings)
        return Linted(source, result.findings, result.errors, fixable=parsed, message=result.message)

    def compiles(old: str, new: str) -> bool:
        return still_compiles(old, new, path)

    loop = fix_loop(lint(text), lint, apply_edits, compiles, unsafe, max_rounds=max_rounds)
    last = loop.last
    return FixOutcome(last.state, loop.fixed, last.findings, loop.rounds, loop.converged, loop.errors, last.message)
