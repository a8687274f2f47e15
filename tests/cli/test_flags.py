"""The flags of `pt-lsp check` that ruff users expect (issue 14, item 7), with ruff's semantics."""

from __future__ import annotations

import io
import json
import sys
import threading
import time

import pytest

from pt_lsp.commands import watch as watch_module
from pt_lsp.commands.check import Check, CheckOptions

SOURCE = "y = x.numpy()\nz = w.data\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    (tmp_path / "a.py").write_text(SOURCE)
    return tmp_path


def codes(out: str) -> set[str]:
    return {word for line in out.splitlines() for word in line.split() if word.startswith("PTL9")}


def test_help_lists_every_flag_of_the_issue(cli):
    run = cli("check", "--help")
    for flag in (
        "--extend-select",
        "--per-file-ignores",
        "--extend-per-file-ignores",
        "--fixable",
        "--unfixable",
        "--config",
        "--isolated",
        "--show-settings",
        "--show-files",
        "--exclude",
        "--extend-exclude",
        "--force-exclude",
        "--target-version",
        "--add-noqa",
        "--ignore-noqa",
        "--watch",
        "--exit-non-zero-on-fix",
        "--output-file",
        "--quiet",
        "--silent",
        "--verbose",
        "--color",
        "--no-cache",
        "--cache-dir",
        "--profile",
    ):
        assert flag in run.out, flag


def test_extend_select_adds_to_the_project_select(cli, project, fake_rules):
    (project / "pyproject.toml").write_text('[tool.pt-lsp]\nselect = ["PTL901"]\n')
    assert codes(cli("check", "a.py").out) == {"PTL901"}
    assert codes(cli("check", "a.py", "--extend-select", "PTL902").out) == {"PTL901", "PTL902"}
    assert cli("check", "a.py", "--extend-select", "PTL99").code == 2  # unknown: an error, as --select


def test_per_file_ignores_flags(cli, project, fake_rules, only_fakes):
    (project / "pyproject.toml").write_text('[tool.pt-lsp.per-file-ignores]\n"a.py" = ["PTL901"]\n')
    assert codes(cli("check", "a.py", *only_fakes).out) == {"PTL902"}
    # --per-file-ignores replaces the project's table, --extend-per-file-ignores adds to it
    assert codes(cli("check", "a.py", *only_fakes, "--per-file-ignores", "a.py:PTL902").out) == {"PTL901"}
    assert cli("check", "a.py", *only_fakes, "--extend-per-file-ignores", "a.py:PTL902").code == 0
    assert cli("check", "a.py", "--per-file-ignores", "a.py").code == 2  # PATTERN:CODES


def test_unfixable_and_fixable(cli, project, fake_rules, only_fakes):
    run = cli("check", "a.py", *only_fakes, "--unfixable", "PTL901")
    assert "PTL901 `.numpy()`" in run.out and "[*]" not in run.out  # no fix offered
    cli("check", "a.py", *only_fakes, "--fix", "--unfixable", "PTL901")
    assert (project / "a.py").read_text() == SOURCE
    cli("check", "a.py", *only_fakes, "--fix", "--fixable", "PTL902")
    assert (project / "a.py").read_text() == SOURCE  # PTL902's fix is unsafe: still nothing
    cli("check", "a.py", *only_fakes, "--fix", "--fixable", "PTL901")
    assert (project / "a.py").read_text().startswith("y = x.cpu().numpy()")


def test_config_file_and_key_value(cli, project, fake_rules):
    (project / "pyproject.toml").write_text('[tool.pt-lsp]\nselect = ["PTL901"]\n')
    (project / "other.toml").write_text('select = ["PTL902"]\n')
    assert codes(cli("check", "a.py", "--config", "other.toml").out) == {"PTL902"}
    assert codes(cli("check", "a.py", "--config", 'select = ["PTL9"]').out) == {"PTL901", "PTL902"}
    # flags win over --config KEY=VALUE
    assert codes(cli("check", "a.py", "--config", 'select = ["PTL9"]', "--select", "PTL902").out) == {"PTL902"}
    run = cli("check", "a.py", "--config", "colour = 1")
    assert run.code == 2 and "unknown key 'colour'" in run.err
    run = cli("check", "a.py", "--config", 'select = ["PTL99"]')
    assert run.code == 2 and "--config" in run.err and "PTL99" in run.err
    assert cli("check", "a.py", "--config", "missing.toml").code == 2


def test_isolated_reads_no_configuration(cli, project, fake_rules):
    (project / "pyproject.toml").write_text('[tool.pt-lsp]\nselect = ["PTL901"]\n')
    assert codes(cli("check", "a.py", "--isolated").out) == {"PTL901", "PTL902"}


def test_show_settings_and_show_files(cli, project, fake_rules):
    (project / "pyproject.toml").write_text('[tool.pt-lsp]\nselect = ["PTL9"]\nignore = ["PTL902"]\n')
    (project / "b.ipynb").write_text('{"cells": []}')
    run = cli("check", "--show-settings")
    assert run.code == 0 and "Resolved settings for: a.py" in run.out
    assert f"config file = {project / 'pyproject.toml'}" in run.out
    assert "enabled rules = [PTL901, PTL903, PTL904]" in run.out
    assert cli("check", "--show-files").out.split() == ["a.py", "b.ipynb"]


def test_exclude_and_extend_exclude(cli, project):
    (project / "pyproject.toml").write_text('[tool.pt-lsp]\nexclude = ["gen"]\n')
    for name in ("gen", "vendor"):
        (project / name).mkdir()
        (project / name / "x.py").write_text("x = 1\n")
    assert cli("check", "--show-files").out.split() == ["a.py", "vendor/x.py"]
    assert cli("check", "--show-files", "--extend-exclude", "vendor").out.split() == ["a.py"]
    assert cli("check", "--show-files", "--exclude", "vendor").out.split() == ["a.py", "gen/x.py"]


def test_target_version_reports_newer_syntax(cli, project):
    (project / "w.py").write_text("if (n := 3) > 2:\n    pass\n")
    assert cli("check", "w.py", "--no-cache").code == 0
    run = cli("check", "w.py", "--target-version", "py37", "--no-cache")
    assert run.code == 1
    assert "PTL000 SyntaxError under Python 3.7 (target-version): Assignment expressions" in run.out
    assert cli("check", "w.py", "--target-version", "py38", "--no-cache").code == 0
    (project / "pyproject.toml").write_text('[tool.pt-lsp]\ntarget-version = "py37"\n')
    assert "PTL000" in cli("check", "w.py", "--no-cache").out
    assert cli("check", "w.py", "--target-version", "2.7").code == 2


def test_add_noqa_then_clean(cli, project, fake_rules, only_fakes):
    (project / "b.py").write_text('y = x.numpy()  # noqa: PTL902\nf(w.data, """\ntext\n""")\n')
    run = cli("check", "a.py", "b.py", *only_fakes, "--add-noqa")
    assert run.code == 0 and "Added 3 noqa directives." in run.err
    assert (project / "a.py").read_text() == "y = x.numpy()  # noqa: PTL901\nz = w.data  # noqa: PTL902\n"
    # merged into the existing comment; a line that opens a multi-line string is not touched
    assert (project / "b.py").read_text().splitlines()[:2] == ["y = x.numpy()  # noqa: PTL901, PTL902", 'f(w.data, """']
    assert codes(cli("check", "a.py", *only_fakes).out) == set()
    # --ignore-noqa reports them anyway
    assert codes(cli("check", "a.py", *only_fakes, "--ignore-noqa", "--no-cache").out) == {"PTL901", "PTL902"}


def test_exit_non_zero_on_fix(cli, project, fake_rules):
    (project / "a.py").write_text("y = x.numpy()\n")
    assert cli("check", "a.py", "--select", "PTL901", "--fix", "--exit-non-zero-on-fix").code == 1
    assert cli("check", "a.py", "--select", "PTL901", "--fix", "--exit-non-zero-on-fix").code == 0  # nothing left


def test_output_file(cli, project, fake_rules, only_fakes):
    run = cli("check", "a.py", *only_fakes, "--output-format", "json", "--output-file", "out/report.json")
    assert run.code == 1 and run.out == ""
    assert {e["code"] for e in json.loads((project / "out" / "report.json").read_text())} == {"PTL901", "PTL902"}


def test_quiet_silent_verbose(cli, project, fake_rules, only_fakes):
    quiet = cli("check", "a.py", *only_fakes, "--quiet")
    assert quiet.code == 1 and "PTL901" in quiet.out and "Found" not in quiet.out
    silent = cli("check", "a.py", *only_fakes, "--silent")
    assert silent.code == 1 and silent.out == ""
    verbose = cli("check", "a.py", *only_fakes, "--verbose")
    assert "pt-lsp: 1 files" in verbose.err and "cache:" in verbose.err


def test_color(cli, project, fake_rules, only_fakes, monkeypatch):
    assert "\x1b[" not in cli("check", "a.py", *only_fakes).out  # not a terminal
    assert "\x1b[31m" in cli("check", "a.py", *only_fakes, "--color", "always").out
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in cli("check", "a.py", *only_fakes).out
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in cli("check", "a.py", *only_fakes).out
    assert "\x1b[" in cli("check", "a.py", *only_fakes, "--color", "always").out


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_full_is_the_default_on_a_terminal(project, fake_rules, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    options = CheckOptions(paths=["a.py"], select=["PTL9"], no_cache=True)
    terminal, pipe = Terminal(), io.StringIO()
    Check(options, terminal, io.StringIO()).run()
    Check(options, pipe, io.StringIO()).run()
    assert "1 | y = x.numpy()" in terminal.getvalue() and "= help:" in terminal.getvalue()
    assert pipe.getvalue().splitlines()[0] == "a.py:1:5: PTL901 [*] `.numpy()` call"


def test_watch_runs_again_when_a_file_changes(project, fake_rules, monkeypatch):
    monkeypatch.setattr(watch_module, "POLL_SECONDS", 0.05)
    options = CheckOptions(paths=["."], select=["PTL9"], no_cache=True)
    out, err = io.StringIO(), io.StringIO()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(watch_module.watch(options, out, err, rounds=2)))
    thread.start()
    deadline = time.monotonic() + 20
    while "Watching for file changes." not in err.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "Found 2 errors." in out.getvalue()
    (project / "a.py").write_text("y = 1\n")
    thread.join(20)
    assert result == [0]
    assert "File change detected" in err.getvalue() and out.getvalue().endswith("All checks passed!\n")


def test_target_version_newer_than_this_python_says_so(cli, project):
    (project / "bad.py").write_text("def f(:\n    pass\n")
    running = sys.version_info[:2]
    newer = f"3.{running[1] + 1}"
    run = cli("check", "bad.py", "--target-version", newer)
    assert run.code == 1
    assert f"pt-lsp runs on Python {running[0]}.{running[1]}, older than target-version {newer}" in run.out
    assert "older than target-version" not in cli("check", "bad.py").out  # no target: the plain error
