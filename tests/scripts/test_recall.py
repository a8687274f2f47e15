"""scripts/recall.py: markers, counting of caught bugs, misses and false alarms, on a tiny fixture set."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "recall.py"


def _load():
    # scripts/ is not a package: load the command by path (registered so that dataclasses can resolve it)
    spec = importlib.util.spec_from_file_location("recall_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


recall = _load()

CAUGHT = """\
import torch

x = torch.ones(3, requires_grad=True)
y = x * 2
y.backward()  # bug: PTL202
"""
# the marker sits on a line with no torch at all: no rule can report there, so this bug is always missed
MISSED = """\
import torch

width = 3  # bug: PTL202
x = torch.ones(width, requires_grad=True)
x.sum().backward()
"""
# a "fixed" program that still draws PTL202: a false alarm on an ok_ file
OK_WITH_FINDING = """\
import torch

x = torch.ones(3, requires_grad=True)
(x * 2).backward()
"""
OK_CLEAN = """\
import torch

x = torch.ones(3, requires_grad=True)
(x * 2).sum().backward()
"""


def build(root: Path) -> None:
    files = {
        "PTL202/01_caught.py": CAUGHT,
        "PTL202/02_missed.py": MISSED,
        "PTL202/ok_01_still_flagged.py": OK_WITH_FINDING,
        "PTL202/ok_02_clean.py": OK_CLEAN,
        "PTL203/ok_01_clean.py": OK_CLEAN,
        "notes/ignored.py": CAUGHT,  # not a rule folder: never linted nor scored
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_markers_name_line_and_codes_and_skip_fixed_programs():
    text = "a = 1\nb.numpy()  # bug: PTL401, PTL402\nc = 2  #bug:PTL201\n"
    assert recall.markers(text, "PTL401/01_x.py") == [
        recall.Bug("PTL401/01_x.py", 2, "PTL401"),
        recall.Bug("PTL401/01_x.py", 2, "PTL402"),
        recall.Bug("PTL401/01_x.py", 3, "PTL201"),
    ]
    assert recall.markers(text, "PTL401/ok_01_x.py") == []


def test_score_counts_a_finding_whose_range_covers_the_marker_once():
    bug = recall.Bug("R/01.py", 5, "PTL201")
    findings = [
        recall.Finding("R/01.py", 4, 6, "PTL201"),  # covers line 5: caught
        recall.Finding("R/01.py", 5, 5, "PTL201"),  # the same bug again: still one catch, not a false alarm
        recall.Finding("R/01.py", 5, 5, "PTL402"),  # another rule on the line, not scored
        recall.Finding("R/01.py", 9, 9, "PTL201"),  # unmarked line of a bug file
        recall.Finding("R/ok_01.py", 2, 2, "PTL201"),
    ]
    (rule,) = recall.score(["PTL201"], [bug], findings, ok_files={"PTL201": 1})
    assert rule.caught == [bug]
    assert rule.misses == []
    assert rule.false_on_bug_files == [recall.Finding("R/01.py", 9, 9, "PTL201")]
    assert rule.false_on_ok == [recall.Finding("R/ok_01.py", 2, 2, "PTL201")]
    assert rule.false_alarms == 2


def test_a_finding_on_an_also_line_is_neither_caught_nor_a_false_alarm():
    bug = recall.Bug("R/01.py", 5, "PTL205")
    also = recall.Bug("R/01.py", 6, "PTL205")
    assert recall.markers("a\nb  # also: PTL205\n", "R/01.py", recall.ALSO_MARKER) == [
        recall.Bug("R/01.py", 2, "PTL205")
    ]
    findings = [recall.Finding("R/01.py", 6, 6, "PTL205"), recall.Finding("R/01.py", 7, 7, "PTL205")]
    (rule,) = recall.score(["PTL205"], [bug], findings, ok_files={}, also=[also])
    assert rule.caught == []
    assert rule.false_on_bug_files == [recall.Finding("R/01.py", 7, 7, "PTL205")]


def test_a_finding_of_another_code_does_not_catch():
    bug = recall.Bug("R/01.py", 5, "PTL401")
    (rule,) = recall.score(["PTL401"], [bug], [recall.Finding("R/01.py", 5, 5, "PTL402")], ok_files={})
    assert rule.caught == []
    assert rule.misses == [bug]


def test_end_to_end_on_a_fixture_set(tmp_path):
    build(tmp_path)
    out = tmp_path / "recall.txt"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(tmp_path), "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.startswith(("PTL", "all "))}
    # rule, bugs, caught, recall, ok files, FA ok, FA bug, precision
    assert rows["PTL202"] == ["PTL202", "2", "1", "0.50", "2", "1", "0", "0.50"]
    assert rows["PTL203"] == ["PTL203", "0", "0", "–", "1", "0", "0", "–"]
    assert rows["all"] == ["all", "2", "1", "0.50", "3", "1", "0", "0.50"]
    assert "5 programs;" in text  # notes/ is not a rule folder
    misses = text.split("Misses:\n")[1].split("\n\n")[0]
    assert misses.strip() == "PTL202 PTL202/02_missed.py:3"
    alarms = text.split("False alarms:\n")[1]
    assert alarms.strip() == "PTL202 PTL202/ok_01_still_flagged.py:4"
    # deterministic: a second run writes the same bytes
    again = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert again.stdout == text


def test_a_relative_root_names_its_set_and_is_linted_from_its_folder(tmp_path):
    # a second set beside the first (benchmarks/recall-2): given relative to the working directory
    build(tmp_path / "recall-2")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", "recall-2"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].endswith("(recall-2/, see its README.md)")
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines() if line.startswith("PTL202")}
    assert rows["PTL202"][:3] == ["PTL202", "2", "1"]


def test_the_report_names_a_set_inside_the_repository_by_its_path():
    assert recall.display_name(recall.DEFAULT_ROOT) == "benchmarks/recall"
    assert recall.report([], 0).splitlines()[0].endswith("(benchmarks/recall/, see its README.md)")


def test_a_missing_root_is_a_one_line_error(tmp_path):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(tmp_path / "nope")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "is not a directory" in done.stderr


@pytest.mark.slow  # runs five small torch programs
def test_verify_runs_the_programs_and_checks_the_reported_error(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "PTL202").mkdir()
    header = "# error: grad can be implicitly created only for scalar outputs\n"
    (tmp_path / "PTL202" / "01_fails.py").write_text(header + CAUGHT, encoding="utf-8")
    # runs without the error it claims: verify must say so
    (tmp_path / "PTL202" / "02_does_not_fail.py").write_text(header + OK_CLEAN, encoding="utf-8")
    (tmp_path / "PTL202" / "ok_01_clean.py").write_text(OK_CLEAN, encoding="utf-8")
    # fails as announced, but not on the marked line
    wrong_line = CAUGHT.replace("y = x * 2", "y = x * 2  # bug: PTL202").replace(
        "y.backward()  # bug: PTL202", "y.backward()"
    )
    (tmp_path / "PTL202" / "03_wrong_line.py").write_text(header + wrong_line, encoding="utf-8")
    # the symptom shows on another line: the line is not required
    (tmp_path / "PTL202" / "04_silent.py").write_text(
        "# symptom: checked below\n" + header + wrong_line, encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(tmp_path), "--verify"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    verdicts = {line.split()[1].rstrip(":"): line.split()[0] for line in done.stdout.splitlines()}
    assert verdicts == {
        "PTL202/01_fails.py": "ok",
        "PTL202/02_does_not_fail.py": "FAIL",
        "PTL202/03_wrong_line.py": "FAIL",
        "PTL202/04_silent.py": "ok",
        "PTL202/ok_01_clean.py": "ok",
    }
    assert "raised at line 6, not on a `# bug:` line [5]" in done.stdout
