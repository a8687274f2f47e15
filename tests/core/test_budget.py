"""The engine's time budget: rules past it are skipped and named, findings so far are kept."""

from __future__ import annotations

import time
import types

import pytest

from pt_lsp.core import budget as budget_module
from pt_lsp.core import rule as rule_module
from pt_lsp.core.budget import Budget, BudgetExceeded
from pt_lsp.core.engine import lint_source
from pt_lsp.core.findings import Severity
from pt_lsp.core.rule import Rule


class Clock:
    """The budget's clock, advanced only by the test rules' `sleep`: on a loaded machine the real
    one can pass 0.01 s between the budget's start and the first rule, which would skip it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def rules(monkeypatch):
    """Three test rules on a clock of their own, unregistered afterwards (a Rule subclass with a
    code registers itself, and the other tests' `--select PTL9` must not see these)."""
    clock = Clock()
    monkeypatch.setattr(budget_module, "time", types.SimpleNamespace(monotonic=clock.monotonic))

    class Quick(Rule):
        code, name, severity = "PTL991", "quick", Severity.WARNING

        def check(self, ctx):
            yield self.report(ctx, ctx.tree.body[0], "found quickly")
            clock.sleep(0.05)  # then spends the whole budget

    class Slow(Rule):
        code, name, severity = "PTL992", "slow", Severity.WARNING

        def check(self, ctx):
            ctx.budget.check()  # what the flow engine does before every statement
            yield self.report(ctx, ctx.tree.body[0], "never reached")

    class Sleepy(Slow):
        code = "PTL993"

        def check(self, ctx):
            clock.sleep(0.05)
            yield from super().check(ctx)

    try:
        yield Quick, Slow, Sleepy
    finally:
        for code in ("PTL991", "PTL992", "PTL993"):
            rule_module._REGISTRY.pop(code, None)


def test_rules_after_the_budget_are_skipped_and_named_and_findings_so_far_kept(rules):
    quick, slow, _ = rules
    result = lint_source("x = 1\n", rules=[quick, slow], budget=0.01)
    assert [f.message for f in result.findings] == ["found quickly"]
    assert result.stopped == "analysis stopped after 0.01 s (time budget); not run: PTL992"
    assert result.errors == [] and result.message is None


def test_a_rule_that_checks_the_budget_is_stopped_inside(rules):
    result = lint_source("x = 1\n", rules=[rules[2]], budget=0.01)
    assert result.findings == [] and result.stopped.endswith("not run: PTL993")


def test_no_budget_no_limit(rules):
    result = lint_source("x = 1\n", rules=list(rules[:2]))
    assert [f.message for f in result.findings] == ["found quickly", "never reached"]
    assert result.stopped is None


def test_budget_check():
    Budget(None).check()  # unlimited
    budget = Budget(0.001)
    time.sleep(0.01)
    assert budget.expired
    try:
        budget.check()
    except BudgetExceeded:
        pass
    else:
        raise AssertionError("an expired budget must raise")
