"""`pt-lsp run` on every rule's runnable examples (with their drivers; CUDA-only ones on the
fake-cuda device), in this process: a bad example shows its rule at a line marked ``# expect:``
(and nowhere else), a good one does not show it at all."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from pt_lsp.core.examples import Example, Probe  # noqa: E402
from pt_lsp.core.rule import all_rules  # noqa: E402
from pt_lsp.core.selection import Selection  # noqa: E402
from pt_lsp.runtime.run.checks import CHECKS  # noqa: E402
from pt_lsp.runtime.run.session import Program, run  # noqa: E402

# The rules a runtime check reports (ErrorCheck's: those whose symptom is the program's exception).
CHECKED = {code for check in CHECKS for code in check.codes}


def _cases() -> list:
    cases = []
    for code, rule in all_rules().items():
        if code not in CHECKED:
            continue
        for number, example in enumerate(rule.examples):
            runtime = example.runtime
            if runtime is None:
                continue
            marks = [] if not runtime.needs else [pytest.mark.requires(*runtime.needs)]
            cases.append(pytest.param(code, example, id=f"{code}-{number}", marks=marks))
    return cases


def _run(
    code: str, example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixed: bool = False
) -> list[tuple[int, str]]:
    monkeypatch.chdir(tmp_path)  # examples write files (TensorBoard's runs/)
    script = tmp_path / "example.py"
    # The probe (what verify runs after the program to see a silent symptom) may call what the
    # example defines, e.g. the model whose forward makes a layer.
    symptom = example.runtime.symptom if example.runtime is not None else None
    probe = textwrap.dedent(symptom.code) if isinstance(symptom, Probe) else ""
    script.write_text(example.program(example.fixed if fixed else None) + probe)
    # PTL403's check is opt-in: it is installed only when named in --select.
    selection, explicit = (Selection.of([code]), (code,)) if code == "PTL403" else (Selection(), ())
    # A program that uses CUDA runs on the fake-cuda device (CUDA simulated on the CPU).
    device = "fake-cuda" if "cuda" in script.read_text() else None
    result = run(Program(str(script)), selection, explicit=explicit, crosscheck=False, device=device)
    return [(entry.finding.span.start.line, entry.finding.code) for entry in result.findings]


def test_the_examples_cover_every_checked_rule() -> None:
    covered = {case.values[0] for case in _cases()}
    assert covered == CHECKED - {code for code in CHECKED if all(e.runtime is None for e in all_rules()[code].examples)}
    assert {"PTL101", "PTL102", "PTL201", "PTL301", "PTL302", "PTL402"} <= covered


@pytest.mark.parametrize(("code", "example"), _cases())
def test_run_reports_the_rule_at_the_marked_lines(
    code: str, example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reported = {line for line, found in _run(code, example, tmp_path, monkeypatch) if found == code}
    marked = {line for line, expected in example.expected if expected == code}
    if marked:
        # A program stops at its first error: a later marked line may never run.
        assert reported and reported <= marked, (reported, marked)
    else:
        assert not reported, reported


def _fixed_cases() -> list:
    return [case for case in _cases() if case.values[1].fixed is not None and case.values[1].expected]


@pytest.mark.parametrize(("code", "example"), _fixed_cases())
def test_the_fixed_program_does_not_show_the_rule(
    code: str, example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not [line for line, found in _run(code, example, tmp_path, monkeypatch, fixed=True) if found == code]


def test_fixed_programs_are_many() -> None:
    assert len(_fixed_cases()) >= 80
