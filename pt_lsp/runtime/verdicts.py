"""Verdicts: how a claim of an example compares with what static analysis or torch showed."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from pt_lsp.core.engine import lint_source
from pt_lsp.core.examples import Example, Probe, Raises, Runs
from pt_lsp.core.selection import Selection

from .execute import Observation


class Verdict(str, enum.Enum):
    CONFIRMED = "confirmed"
    REFUTED = "refuted"
    SKIPPED = "skipped"
    ERROR = "error"


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    detail: str = ""

    def to_json(self) -> dict:
        return {"verdict": self.verdict.value, "detail": self.detail}


def confirmed(detail: str = "") -> Judgement:
    return Judgement(Verdict.CONFIRMED, detail)


def refuted(detail: str) -> Judgement:
    return Judgement(Verdict.REFUTED, detail)


def skipped(reason: str) -> Judgement:
    return Judgement(Verdict.SKIPPED, reason)


def error(detail: str) -> Judgement:
    return Judgement(Verdict.ERROR, detail)


# -- static -------------------------------------------------------------------------------------
def judge_static(code: str, example: Example) -> Judgement:
    """The rule alone, on the example without markers, must report exactly the marked lines."""
    try:
        result = lint_source(example.code, path=f"<{code} example>", selection=Selection.of([code]))
    except Exception as exc:  # lint_source promises not to raise; verify must survive if it does
        return error(f"linting raised {type(exc).__name__}: {exc}")
    if result.errors:
        return error("; ".join(result.errors))
    found = sorted({f.line for f in result.findings if f.code == code})
    expected = sorted({line for line, c in example.expected if c == code})
    if found == expected:
        return confirmed(f"reports lines {found}" if found else "silent")
    if not expected:
        return refuted(f"expected silence, reported lines {found}")
    return refuted(f"expected lines {expected}, reported {found or 'nothing'}")


# -- runtime ------------------------------------------------------------------------------------
def _exception_text(exception: dict) -> str:
    where = f" at line {exception['line']}" if exception.get("line") else ""
    message = exception["message"].splitlines()[0] if exception["message"] else ""
    return f"{exception['type']}{where}: {message}"


def _raises_matches(claim: Raises, exception: dict, lines: set[int] | None) -> str | None:
    """None when ``exception`` is the claimed one; otherwise why not."""
    if claim.exception not in exception["mro"]:
        return f"expected {claim.exception}, raised {_exception_text(exception)}"
    if not re.search(claim.match, exception["message"]):
        return f"{claim.exception} message does not match {claim.match!r}: {_exception_text(exception)}"
    if lines and exception.get("line") not in lines:
        return f"{claim.exception} raised at line {exception.get('line')}, expected line {sorted(lines)}"
    return None


def _symptom_shown(symptom, observation: Observation, lines: set[int] | None):
    """(shown, description) or a Judgement when the run cannot be judged (crash, timeout)."""
    if observation.status != "ran":
        return error(observation.problem)
    exception = observation.exception
    if exception is not None:
        if isinstance(symptom, Raises):
            mismatch = _raises_matches(symptom, exception, lines)
            if mismatch is None:
                return True, f"raised {_exception_text(exception)}"
            if symptom.exception in exception["mro"]:
                return False, mismatch  # the claimed kind of failure, but not as stated
        return error(f"unexpected exception: {_exception_text(exception)}")
    if isinstance(symptom, Probe):
        probe = observation.probe or {"symptom": None, "error": "the probe did not run"}
        if probe["error"]:
            return error(probe["error"])
        return probe["symptom"], f"probe: {symptom.describes}" + ("" if probe["symptom"] else " (not observed)")
    if isinstance(symptom, Raises):
        return False, f"ran to the end without raising {symptom.exception}"
    if isinstance(symptom, Runs):
        return False, f"ran as written ({symptom.describes})"
    return False, "ran cleanly"


def judge_run(
    symptom: Raises | Probe | None,
    observation: Observation,
    expect_symptom: bool,
    lines: set[int] | None = None,
) -> Judgement:
    """Judge one run against the claim that ``symptom`` is (or is not) shown."""
    shown = _symptom_shown(symptom, observation, lines)
    if isinstance(shown, Judgement):
        return shown
    present, description = shown
    if not present and observation.exception is not None and not expect_symptom:
        return error(f"unexpected exception: {_exception_text(observation.exception)}")
    if expect_symptom:
        return confirmed(description) if present else refuted(description)
    return refuted(f"the symptom appeared: {description}") if present else confirmed(description)
