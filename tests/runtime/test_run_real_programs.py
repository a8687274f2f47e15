"""`pt-lsp run` on real-style training scripts with the classic bugs (run_programs/real/): each bug
is reported at the line marked ``# expect:``, nothing else is, and each confirms the static finding
there; the correct script reports nothing. Also `scripts/crosscheck.py` over such a folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from pt_lsp.core.examples import Example  # noqa: E402
from pt_lsp.runtime.run.crosscheck import CONFIRMED  # noqa: E402
from pt_lsp.runtime.run.session import Program, run  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
REAL = Path(__file__).parent / "run_programs" / "real"
SCRIPTS = sorted(REAL.glob("*.py"))
NEEDS = {"tensorboard_logging.py": "tensorboard"}


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_each_bug_is_reported_where_it_happens(script: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if script.name in NEEDS:
        pytest.importorskip(NEEDS[script.name])
    monkeypatch.chdir(tmp_path)
    expected = set(Example(script.stem, script.read_text()).expected)
    result = run(Program(str(script)))
    reported = {(entry.finding.line, entry.finding.code) for entry in result.findings}
    assert reported == expected
    assert all(result.crosscheck.confirms.get(id(entry)) for entry in result.findings)
    assert all(s.status == CONFIRMED for s in result.crosscheck.static if (s.finding.line, s.finding.code) in expected)


def test_the_correct_script_is_among_them() -> None:
    assert not Example("correct", (REAL / "correct_training.py").read_text()).expected
    assert len(SCRIPTS) >= 12


def test_crosscheck_script_prints_per_rule_agreement(tmp_path: Path) -> None:
    for name in ("dcgan_step.py", "per_sample_loss.py", "correct_training.py"):
        shutil.copy(REAL / name, tmp_path / name)
    completed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "crosscheck.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    rows = {line.split()[0]: line.split()[1:] for line in completed.stdout.splitlines()[2:]}
    assert rows["PTL201"] == ["1", "0", "0", "0", "1.00", "1.00"]
    assert rows["PTL202"] == ["1", "0", "0", "0", "1.00", "1.00"]
    assert rows["all"][0] == "2"
