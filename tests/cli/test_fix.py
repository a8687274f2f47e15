"""--fix, --unsafe-fixes, --diff, --fix-only, --show-fixes, and what writing a file preserves."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

SOURCE = "y = x.numpy()\nz = w.data\n"
SAFE_FIXED = "y = x.cpu().numpy()\nz = w.data\n"


def test_fix_applies_safe_fixes_and_reports_the_rest(cli, tmp_path, fake_rules, only_fakes):
    path = tmp_path / "a.py"
    path.write_text(SOURCE)
    run = cli("check", path, *only_fakes, "--fix")
    assert path.read_text() == SAFE_FIXED
    assert run.code == 1  # the unsafe one remains
    assert "a.py:2:5: PTL902 `.data` access" in run.out
    assert "Found 2 errors (1 fixed, 1 remaining)." in run.out
    assert "1 unsafe fix available with `--fix --unsafe-fixes`." in run.out
    # a second run has nothing more to fix
    run = cli("check", path, *only_fakes, "--fix")
    assert path.read_text() == SAFE_FIXED
    assert "Found 1 error." in run.out


def test_unsafe_fixes(cli, tmp_path, fake_rules, only_fakes):
    path = tmp_path / "a.py"
    path.write_text(SOURCE)
    run = cli("check", path, *only_fakes, "--fix", "--unsafe-fixes")
    assert path.read_text() == "y = x.cpu().numpy()\nz = w.detach()\n"
    assert run.code == 0
    assert "Found 2 errors (2 fixed, 0 remaining)." in run.out


def test_check_marks_fixable_findings_and_hints(cli, tmp_path, fake_rules, only_fakes):
    path = tmp_path / "a.py"
    path.write_text(SOURCE)
    run = cli("check", path, *only_fakes)
    assert f"{path}:1:5: PTL901 [*] `.numpy()` call" in run.out
    assert f"{path}:2:5: PTL902 `.data` access" in run.out
    assert "[*] 1 fixable with `--fix` (1 unsafe fix available with `--fix --unsafe-fixes`)." in run.out
    run = cli("check", path, *only_fakes, "--unsafe-fixes")
    assert f"{path}:2:5: PTL902 [*] `.data` access" in run.out
    assert "[*] 2 fixable with `--fix`." in run.out
    assert path.read_text() == SOURCE  # check alone never writes


def test_diff_writes_nothing_and_exits_1(cli, tmp_path, fake_rules, only_fakes):
    path = tmp_path / "a.py"
    path.write_text(SOURCE)
    run = cli("check", path, *only_fakes, "--diff")
    assert path.read_text() == SOURCE
    assert run.code == 1
    assert f"--- {path}\n+++ {path}\n" in run.out
    assert "-y = x.numpy()\n+y = x.cpu().numpy()\n" in run.out
    assert "Would fix 1 error (1 additional fix available with `--unsafe-fixes`)." in run.err
    clean = tmp_path / "clean.py"
    clean.write_text("x = 1\n")
    run = cli("check", clean, *only_fakes, "--diff")
    assert run.code == 0 and run.out == ""
    assert "No errors would be fixed" in run.err


def test_fix_only_and_show_fixes(cli, tmp_path, fake_rules, only_fakes):
    path = tmp_path / "a.py"
    # the inserted zero_grad() must read a name bound before it (the fix engine checks)
    path.write_text("from train import step, zero_grad\n" + SOURCE + "step()\n")
    run = cli("check", path, *only_fakes, "--fix-only", "--show-fixes")
    assert run.code == 0  # --fix-only does not report what is left
    assert (
        path.read_text() == "from train import step, zero_grad\ny = x.cpu().numpy()\nz = w.data\nzero_grad()\nstep()\n"
    )
    assert "PTL902" not in run.out.replace("PTL902 (", "")
    assert "Fixed 2 errors:" in run.out
    assert f"- {path}:" in run.out
    assert "1 × PTL901 (numpy-call)" in run.out and "1 × PTL903 (step-without-zero-grad)" in run.out


def test_show_fixes_with_fix(cli, tmp_path, fake_rules, only_fakes):
    path = tmp_path / "a.py"
    path.write_text(SOURCE)
    run = cli("check", path, *only_fakes, "--fix", "--show-fixes")
    assert "Fixed 1 error:" in run.out and "1 × PTL901 (numpy-call)" in run.out


def test_crlf_final_newline_and_permissions_are_kept(cli, tmp_path, fake_rules, only_fakes):
    path = tmp_path / "a.py"
    path.write_bytes(b"from os import step, zero_grad\r\nstep()\r\ny = x.numpy()")
    os.chmod(path, 0o751)
    cli("check", path, *only_fakes, "--fix")
    assert path.read_bytes() == b"from os import step, zero_grad\r\nzero_grad()\r\nstep()\r\ny = x.cpu().numpy()"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o751
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]  # no temporary file left behind


def test_mixed_line_endings_keep_each_line_s_own(cli, tmp_path, fake_rules, only_fakes):
    path = tmp_path / "a.py"
    path.write_bytes(b"a = 1\nzero_grad = b = 2\r\nstep()\ny = x.numpy()\r\n")
    cli("check", path, *only_fakes, "--fix")
    assert path.read_bytes() == b"a = 1\nzero_grad = b = 2\r\nzero_grad()\nstep()\ny = x.cpu().numpy()\r\n"


def test_encoding_cookie_and_bom_are_kept(cli, tmp_path, fake_rules, only_fakes):
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'\ny = x.numpy()\n")
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfname = '\xc3\xa9'\ny = x.numpy()\n")
    cli("check", tmp_path, *only_fakes, "--fix")
    assert latin.read_bytes() == b"# -*- coding: latin-1 -*-\nname = '\xe9'\ny = x.cpu().numpy()\n"
    assert bom.read_bytes() == b"\xef\xbb\xbfname = '\xc3\xa9'\ny = x.cpu().numpy()\n"


def test_symlink_is_written_through(cli, tmp_path, fake_rules, only_fakes):
    target = tmp_path / "real.py"
    target.write_text("y = x.numpy()\n")
    link = tmp_path / "link.py"
    os.symlink(target, link)
    cli("check", link, *only_fakes, "--fix")
    assert os.path.islink(link)
    assert target.read_text() == "y = x.cpu().numpy()\n"


def test_file_that_does_not_parse_is_never_touched(cli, tmp_path, fake_rules):
    path = tmp_path / "a.py"
    original = b"y = x.numpy()\ndef f(:\n"
    path.write_bytes(original)
    before = os.stat(path).st_mtime_ns
    run = cli("check", path, "--fix", "--unsafe-fixes")
    assert path.read_bytes() == original
    assert os.stat(path).st_mtime_ns == before
    assert "PTL000" in run.out and run.code == 1


def test_fix_from_stdin_prints_the_fixed_source(cli, tmp_path, fake_rules, only_fakes):
    run = cli("check", "--stdin-filename", tmp_path / "a.py", *only_fakes, "--fix", stdin=SOURCE.encode())
    assert run.out == SAFE_FIXED
    assert "PTL902" in run.err  # the report goes to stderr, stdout holds the source
    assert not (tmp_path / "a.py").exists()
    run = cli("check", "--stdin-filename", "b.py", *only_fakes, "--fix", stdin=b"x = 1\n")
    assert run.out == "x = 1\n" and run.code == 0


def test_diff_from_stdin(cli, fake_rules, only_fakes):
    run = cli("check", "-", *only_fakes, "--diff", stdin=SOURCE.encode())
    assert "+y = x.cpu().numpy()" in run.out
    assert run.code == 1


def test_stdin_fix_keeps_crlf_and_latin1_bytes(tmp_path):
    """stdout carries the fixed file's own bytes (run as a subprocess: capture would decode)."""
    source = b"# coding: latin-1\r\nimport torch\r\nname = '\xe9'\r\ny = torch.ones(2).cuda().numpy()\r\n"
    run = subprocess.run(
        [sys.executable, "-m", "pt_lsp", "check", "--stdin-filename", "a.py", "--select", "PTL401", "--fix"],
        input=source,
        capture_output=True,
        timeout=120,
    )
    assert run.stdout == source.replace(b".cuda().numpy()", b".cuda().cpu().numpy()")
