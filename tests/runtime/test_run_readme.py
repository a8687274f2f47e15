"""The README's `pt-lsp run` section shows what `pt-lsp run` prints on its program."""

from __future__ import annotations

import pathlib
import re

import pytest

torch = pytest.importorskip("torch")

from pt_lsp.runtime.run.command import main  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Your own program under the checker", 1)[1].split("\n## ", 1)[0]


def test_readme_run_output_is_real(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    section = _section()
    program = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    assert len(shown) >= 7
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(program)
    assert main(["--no-save", "train.py"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # the loop fails at its first generator step, before printing
    report = captured.err.splitlines()
    for line in shown:
        assert line in report, line


def test_readme_run_figures_are_the_benchmarks(tmp_path: pathlib.Path) -> None:
    results = (ROOT / "benchmarks" / "results" / "run-cpu.txt").read_text()
    ratios = {row.split()[0]: re.findall(r"\((\d\.\d\d)x\)", row) for row in results.splitlines()[2:5]}
    section = " ".join(_section().split())
    assert f"MLP {ratios['mlp'][1]}x" in section
    assert f"LSTM language model {ratios['lstm-lm'][1]}x" in section
    assert f"DCGAN {ratios['dcgan'][1]}x" in section
    assert "best of 7" in results.splitlines()[0] and "best of 7" in section
    wall = results.split("(wall seconds", 1)[1]
    worst_wall = re.search(r"worst default \(checked\) ratio: (\d\.\d\d)x", wall).group(1)
    assert f"{worst_wall}x at worst in wall time" in section
    worst_opt_in = max(float(row[3]) for row in ratios.values())
    assert f"stay within {worst_opt_in:.2f}x" in section
