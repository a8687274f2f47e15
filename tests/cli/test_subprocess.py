"""The real entry points: `python -m pt_lsp`, stdin through a pipe, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pt_lsp import cli as cli_module

BAD = "import torch\nfrom torch.autograd import Variable\nv = Variable(torch.ones(2))\n"


def python_m(*args, stdin=None, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "pt_lsp", *map(str, args)], input=stdin, capture_output=True, cwd=cwd, timeout=120
    )


def test_python_m_check_exit_codes(tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "ok.py").write_text("x = 1\n")
    bad = python_m("check", tmp_path / "bad.py", "--select", "PTL101")
    assert bad.returncode == 1
    assert b"bad.py:2:1: PTL101" in bad.stdout or b"bad.py:3:5: PTL101" in bad.stdout
    ok = python_m("check", tmp_path / "ok.py")
    assert ok.returncode == 0 and b"All checks passed!" in ok.stdout


def test_python_m_stdin_json(tmp_path):
    run = python_m(
        "check", "--stdin-filename", "model.py", "--select", "PTL101", "--output-format", "json", stdin=BAD.encode()
    )
    assert run.returncode == 1
    items = json.loads(run.stdout)
    assert items and {item["code"] for item in items} == {"PTL101"}
    assert all(item["filename"].endswith("model.py") for item in items)


def test_check_imports_neither_torch_nor_pygls(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    code = (
        "import sys\n"
        "from pt_lsp.cli import main\n"
        f"main(['check', {str(tmp_path)!r}, '--jobs', '1'])\n"
        "bad = sorted(m for m in ('torch', 'pygls', 'lsprotocol') if m in sys.modules)\n"
        "print('IMPORTED', bad)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert b"IMPORTED []" in run.stdout, run.stdout + run.stderr


def test_parallel_run_matches_serial(tmp_path):
    for index in range(40):  # above the serial threshold, so workers really run
        (tmp_path / f"m{index:02}.py").write_text(BAD if index % 3 else "x = 1\n")
    serial = python_m("check", tmp_path, "--jobs", "1", "--output-format", "json")
    parallel = python_m("check", tmp_path, "--jobs", "2", "--output-format", "json")
    assert serial.returncode == parallel.returncode == 1
    assert json.loads(serial.stdout) == json.loads(parallel.stdout)
    assert len(json.loads(serial.stdout)) >= 26


def test_missing_delegated_command_is_a_clear_error(cli, monkeypatch):
    monkeypatch.setitem(cli_module.DELEGATED, "server", "pt_lsp.no_such_module_here")
    run = cli("server", "--stdio")
    assert run.code == 2
    assert "`pt-lsp server` is not available" in run.err


def test_delegated_command_receives_the_rest_of_the_arguments(cli, monkeypatch, tmp_path):
    fake = tmp_path / "fake_verify_cmd.py"
    fake.write_text("SEEN = []\ndef main(argv):\n    SEEN.append(list(argv))\n    return 3\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(cli_module.DELEGATED, "verify", "fake_verify_cmd")
    assert cli("verify", "--output-format", "json", "PTL201").code == 3
    import fake_verify_cmd

    assert fake_verify_cmd.SEEN == [["--output-format", "json", "PTL201"]]


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"]])
def test_help_exits_0(cli, args):
    run = cli(*args)
    assert run.code == 0 and "usage:" in run.out


def test_delegated_command_exiting_through_argparse(cli, monkeypatch, tmp_path):
    fake = tmp_path / "fake_server_cmd.py"
    fake.write_text("import argparse\ndef main(argv):\n    argparse.ArgumentParser().parse_args(argv)\n    return 0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(cli_module.DELEGATED, "server", "fake_server_cmd")
    assert cli("server", "--no-such-option").code == 2
    assert cli("server", "--help").code == 0
