"""`pt-lsp run` keeps the program's behaviour (argv, __main__, -m, exit code, exception) and
writes its report: text on stderr, JSON / SARIF / GitHub to a file, `.pt-lsp/run.json` always."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from pt_lsp.runtime.run.command import main, split_argv  # noqa: E402
from pt_lsp.runtime.run.session import Program, run  # noqa: E402

PROGRAMS = Path(__file__).parent / "run_programs"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def programs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of run_programs/ as the working directory."""
    folder = tmp_path / "programs"
    shutil.copytree(PROGRAMS, folder)
    monkeypatch.chdir(folder)
    return folder


def test_split_argv_separates_our_options_from_the_programs() -> None:
    assert split_argv(["--output-format", "json", "train.py", "--lr", "0.1"]) == (
        ["--output-format", "json"],
        "train.py",
        None,
        ["--lr", "0.1"],
    )
    assert split_argv(["--fail-fast", "-m", "pkg.main", "-m", "x"]) == (["--fail-fast"], None, "pkg.main", ["-m", "x"])
    assert split_argv(["--select", "PTL2"]) == (["--select", "PTL2"], None, None, [])


def test_module_argv_main_and_exit_code_are_pythons(programs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main_module, argv, path = sys.modules["__main__"], sys.argv[:], sys.path[:]
    code = main(["--no-save", "-m", "argv_package", "--lr", "7"])
    out, err = capsys.readouterr()
    assert code == 7
    first = json.loads(out.splitlines()[0])
    assert first == {"argv": ["--lr", "7"], "name": "__main__"}
    assert "pt-lsp run -m argv_package: exit code 7" in err
    assert sys.modules["__main__"] is main_module and sys.argv == argv and sys.path == path  # restored


def test_an_exception_is_printed_after_the_report_as_python_prints_it(
    programs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["raises.py"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == "first backward done\n"  # the program's stdout, untouched and alone
    report_at, traceback_at = err.index("PTL201 [runtime]"), err.index("Traceback (most recent call last):")
    assert report_at < traceback_at
    traceback = err[traceback_at:]
    assert 'raises.py", line 7, in <module>' in traceback
    assert "pt_lsp" not in traceback and "runpy" not in traceback
    assert traceback.rstrip().splitlines()[-1].startswith("RuntimeError: Trying to backward through the graph")
    saved = json.loads((programs / ".pt-lsp" / "run.json").read_text())
    assert [(f["code"], f["location"]["row"], f["source"]) for f in saved if f["source"] == "runtime"] == [
        ("PTL201", 7, "runtime")
    ]
    assert saved[0]["related"][0]["location"]["row"] == 5  # the backward that freed the graph


def test_value_error_exit_code_and_select(programs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-save", "--ignore", "PTL2", "-m", "argv_package", "--fail"]) == 1
    err = capsys.readouterr().err
    assert err.rstrip().endswith("ValueError: asked to fail")


def test_json_report_holds_each_crosscheck_outcome(programs: Path) -> None:
    assert main(["--output-format", "json", "--output-file", "report.json", "crosscheck_all.py"]) == 0
    report = json.loads((programs / "report.json").read_text())
    outcomes = {(f["source"], f["code"], f["location"]["row"], f["crosscheck"]) for f in report}
    assert ("runtime", "PTL201", 23, "confirmed") in outcomes
    assert ("static", "PTL201", 23, "confirmed") in outcomes
    assert ("runtime", "PTL102", 19, "runtime-only") in outcomes
    assert ("static", "PTL102", 15, "not-reached") in outcomes
    assert ("static", "PTL401", 10, "no-symptom") in outcomes
    confirmed = next(f for f in report if f["source"] == "runtime" and f["code"] == "PTL201")
    assert confirmed["confirms"]["location"]["row"] == 23 and confirmed["count"] == 1
    assert (programs / ".pt-lsp" / "run.json").read_text() == (programs / "report.json").read_text()


def test_sarif_and_github_carry_the_runtime_findings(programs: Path) -> None:
    main(["--no-save", "--output-format", "sarif", "--output-file", "r.sarif", "raises.py"])
    sarif = json.loads((programs / "r.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["PTL201"]
    assert results[0]["properties"]["source"] == "runtime"
    assert results[0]["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 5
    main(["--no-save", "--output-format", "github", "--output-file", "r.txt", "raises.py"])
    assert (programs / "r.txt").read_text().startswith("::error title=pt-lsp (PTL201),file=raises.py,line=7,")


def test_fail_fast_stops_the_program_at_the_first_finding(programs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(Program("crosscheck_all.py"), fail_fast=True)
    assert result.stopped is not None and result.exit_code == 1
    assert [(f.finding.code, f.finding.line) for f in result.findings] == [("PTL102", 19)]
    assert "second backward refused" not in capsys.readouterr().out


def test_a_correct_program_reports_nothing(programs: Path) -> None:
    result = run(Program("real/correct_training.py"))  # the same script the real-program tests use
    assert result.exception is None and result.exit_code == 0
    assert result.findings == []
    assert result.crosscheck.static == []


def test_usage_errors_are_exit_2(programs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["missing.py"]) == 2
    assert main(["-m", "no_such_module_here"]) == 2
    assert main(["--select", "XYZ9", "raises.py"]) == 2
    err = capsys.readouterr().err
    assert "can't open file" in err and "No module named 'no_such_module_here'" in err and "XYZ9" in err


def test_the_cli_runs_a_script_in_a_subprocess(programs: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    completed = subprocess.run(
        [sys.executable, "-m", "pt_lsp", "run", "--no-save", "raises.py"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert completed.returncode == 1
    assert completed.stdout == "first backward done\n"
    assert "raises.py:7:1: PTL201 [runtime]" in completed.stderr


def test_fake_cuda_shows_a_device_bug_without_a_gpu(programs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    available = torch.cuda.is_available()
    assert main(["--no-save", "--device", "fake-cuda", "cuda_numpy.py"]) == 1
    err = capsys.readouterr().err
    assert "cuda_numpy.py:7:7: PTL401 [runtime] `.numpy()` on a tensor on `cuda:0`" in err
    assert "note: --device fake-cuda: " in err and "it cannot see kernels' own CUDA errors" in err
    assert err.rstrip().splitlines()[-1].startswith("TypeError: can't convert cuda:0 device type tensor to numpy")
    assert torch.cuda.is_available() == available  # the simulation ended with the run


def test_no_crosscheck_reports_no_crosscheck(programs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--no-crosscheck` compares nothing: the text report has no cross-check section and no
    "not found by `pt-lsp check`" line, and JSON gives each runtime finding no cross-check status."""
    assert main(["--no-save", "--no-crosscheck", "crosscheck_all.py"]) == 0
    err = capsys.readouterr().err
    assert "[runtime]" in err
    assert "Cross-check with" not in err and "not found by `pt-lsp check`" not in err
    main(["--no-save", "--no-crosscheck", "--output-format", "json", "--output-file", "r.json", "crosscheck_all.py"])
    report = json.loads((programs / "r.json").read_text())
    assert report and {f["source"] for f in report} == {"runtime"}
    assert {f["crosscheck"] for f in report} == {None}
    main(["--no-save", "crosscheck_all.py"])
    assert "Cross-check with" in capsys.readouterr().err
