"""The fuzz harness (scripts/fuzz.py) with a fixed seed and a small budget: no crash, every fix
compiles and converges. ``.ci/run`` runs it longer; by hand, ``python scripts/fuzz.py``."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

from pt_lsp.core import rule as rule_module
from pt_lsp.core.findings import Finding, Severity
from pt_lsp.core.rule import Rule

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fuzz.py"


def _load():
    spec = importlib.util.spec_from_file_location("fuzz_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_script"] = module
    spec.loader.exec_module(module)
    return module


fuzz = _load()


def test_fixed_seed_small_budget_finds_nothing():
    report = fuzz.run(seed=16, seconds=40, minimise_budget=10)
    assert report.failures == [], "\n\n".join(f"{problem}:\n{text}" for problem, text in report.failures)
    assert report.mutants >= 200 and report.compiled >= 50  # the budget was really spent on mutants


def test_mutants_are_reproducible_from_the_seed():
    pool = fuzz.seeds()
    assert len(pool) > 50  # rule examples and corpus files
    first = [fuzz.mutate(pool[i], random.Random(7), pool) for i in range(5)]
    again = [fuzz.mutate(pool[i], random.Random(7), pool) for i in range(5)]
    assert first == again and any(m != pool[i] for i, m in enumerate(first))


def test_each_kind_of_mutation_changes_code():
    rng = random.Random(3)
    pool = fuzz.seeds()
    text = pool[0]
    for mutation in fuzz.MUTATIONS:
        assert any(mutation(text, rng, pool) != text for _ in range(5)), mutation.__name__


def test_ddmin_finds_the_one_line_that_matters():
    lines = [f"line {i}" for i in range(40)]
    assert fuzz.ddmin(lines, lambda kept: "line 17" in kept) == ["line 17"]
    assert fuzz.ddmin(lines, lambda kept: {"line 3", "line 30"} <= set(kept)) == ["line 3", "line 30"]


class _CrashesOnMarker(Rule, register=False):
    """Test rule: raises where the source says ``fuzz_crash_marker``."""

    code = "PTL989"
    name = "fuzz-test-crash"
    summary = "test"
    severity = Severity.WARNING

    def check(self, ctx) -> list[Finding]:
        if "fuzz_crash_marker" in ctx.doc.text:
            raise RuntimeError("planted crash")
        return []


@pytest.fixture
def planted_crash(monkeypatch):
    rule_module.all_rules()
    monkeypatch.setitem(rule_module._REGISTRY, "PTL989", _CrashesOnMarker)


def test_a_crash_is_reported_and_minimised_to_its_line(planted_crash, tmp_path, capsys):
    text = "import torch\n\nx = torch.zeros(3)\nfuzz_crash_marker = 1\ny = x.data\nz = 2\n"
    problem = fuzz.failure(text)
    assert problem is not None and problem.startswith("lint internal error: PTL989 crashed")
    assert fuzz.minimise(text, problem, budget=10) == "fuzz_crash_marker = 1\n"
