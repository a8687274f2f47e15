"""The verify suite over the real rules on this machine's devices (CPU and the fake-cuda proxy in CI).

Issue 5's bar: every rule has at least 2 bad and 2 good runnable examples, and verify agrees on
all of them; each bad example shows its symptom on some device (the proxy for CUDA-only ones).
"""

import os

import pytest

from pt_lsp.core.rule import all_rules
from pt_lsp.runtime.runner import verify

# The product's rules only: other test modules register test-only rules (PTL9xx) at import.
RULE_CODES = [code for code, rule in all_rules().items() if rule.__module__.startswith("pt_lsp.rules.")]


@pytest.fixture(scope="module")
def report():
    return verify(RULE_CODES, device="all", jobs=os.cpu_count(), timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("code", RULE_CODES)
def test_rule_has_two_bad_and_two_good_runnable_examples(report, code):
    counts = report.coverage[code]
    assert counts["bad"] >= 2 and counts["good"] >= 2, counts


@pytest.mark.slow
@pytest.mark.parametrize("code", RULE_CODES)
def test_verify_agrees_on_every_example(report, code):
    problems = [
        f"{row.case.example.title} [{row.case.device.name}]: static={row.case.static}, "
        f"runtime={row.runtime}, fixed={row.fixed_runtime}"
        for row in report.rows
        if row.case.code == code and row.agree is False
    ]
    assert problems == []


@pytest.mark.slow
@pytest.mark.parametrize("code", RULE_CODES)
def test_every_bad_example_shows_its_symptom_somewhere(report, code):
    shown: dict[str, bool] = {}
    for row in report.rows:
        if row.case.code == code and row.case.kind == "bad" and not row.case.not_runnable:
            shown.setdefault(row.case.example.title, False)
            shown[row.case.example.title] |= row.runtime.verdict.value == "confirmed"
    assert [title for title, ok in shown.items() if not ok] == []
