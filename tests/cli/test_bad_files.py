"""Files that cannot be linted get a clear warning and the run goes on."""

from __future__ import annotations

import os
import subprocess
import sys

from pt_lsp.core import filefix


def test_binary_non_utf8_and_broken_link_are_skipped(cli, tmp_path, fake_rules, only_fakes):
    (tmp_path / "binary.py").write_bytes(b"x = 1\x00\x01\x02\n")
    (tmp_path / "latin.py").write_bytes(b"name = '\xe9t\xe9'\n")
    (tmp_path / "cookie.py").write_bytes(b"# bad encoding\n# coding: no-such-codec\nx = 1\n")
    os.symlink(tmp_path / "missing-target.py", tmp_path / "dangling.py")
    (tmp_path / "good.py").write_text("y = x.numpy()\n")
    run = cli("check", tmp_path, *only_fakes)
    assert run.code == 1  # the good file's finding; skipped files are warnings
    assert "good.py:1:5: PTL901" in run.out
    assert f"warning: skipping {tmp_path / 'binary.py'}: binary file" in run.err
    assert f"warning: skipping {tmp_path / 'latin.py'}: not valid UTF-8 and no coding cookie" in run.err
    assert f"warning: skipping {tmp_path / 'cookie.py'}: invalid encoding declaration" in run.err
    assert f"warning: skipping {tmp_path / 'dangling.py'}: cannot read" in run.err


def test_latin1_with_coding_cookie_is_linted(cli, tmp_path, fake_rules, only_fakes):
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'; y = x.numpy()\n")
    run = cli("check", tmp_path, *only_fakes)
    assert run.code == 1
    assert "latin.py:2:17: PTL901" in run.out
    assert run.err == ""


def test_empty_file_gets_a_message(cli, tmp_path, fake_rules, only_fakes):
    (tmp_path / "empty.py").write_text("")
    run = cli("check", tmp_path, *only_fakes)
    assert run.code == 0
    assert f"warning: skipping {tmp_path / 'empty.py'}: empty file" in run.err


def test_many_empty_files_are_summed_up(cli, tmp_path, fake_rules, only_fakes):
    for index in range(8):
        (tmp_path / f"e{index}.py").write_text("")
    run = cli("check", tmp_path, *only_fakes)
    assert "skipping 8 empty files" in run.err
    assert run.err.count("\n") == 1


def test_too_large_file_is_skipped(cli, tmp_path, monkeypatch, fake_rules, only_fakes):
    monkeypatch.setattr(filefix, "MAX_BYTES", 100)
    (tmp_path / "big.py").write_text("x = 1\n" * 50)
    (tmp_path / "small.py").write_text("y = x.numpy()\n")
    run = cli("check", tmp_path, *only_fakes)
    assert run.code == 1
    assert "big.py: file too large (300 bytes; the limit is 100 bytes)" in run.err
    assert "small.py:1:5: PTL901" in run.out


def test_invalid_notebook_is_skipped(cli, tmp_path, fake_rules, only_fakes):
    (tmp_path / "nb.ipynb").write_text("{not json")
    run = cli("check", tmp_path, *only_fakes)
    assert run.code == 0
    assert "nb.ipynb: not a valid notebook" in run.err


def test_empty_init_files_are_normal(cli, tmp_path, fake_rules, only_fakes):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    run = cli("check", tmp_path, *only_fakes)
    assert run.code == 0 and run.err == ""


def test_fifo_named_like_a_source_file_is_skipped(cli, tmp_path, fake_rules, only_fakes):
    os.mkfifo(tmp_path / "pipe.py")  # opening it for reading would block forever
    (tmp_path / "ok.py").write_text("y = x.numpy()\n")
    run = cli("check", tmp_path, *only_fakes)
    assert run.code == 1
    assert "pipe.py: not a regular file" in run.err


def test_a_file_too_deep_to_analyse_is_said_so_with_and_without_fix(cli, tmp_path):
    path = tmp_path / "deep.py"
    path.write_text("x = " + "f(" * 170 + "1" + ")" * 170 + "\n")
    for args in ((), ("--fix",)):
        run = cli("check", path, "--no-cache", *args)
        assert f"warning: skipping {path}: too deep to analyse" in run.err, args


def test_fifo_beside_a_class_the_project_constructs_does_not_block(tmp_path):
    """Reading a plain class's method on the instances other project files construct scans the
    project's files: a FIFO named like a source file must not be opened (it blocks forever)."""
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "agent.py").write_text("class Agent:\n    def act(self, x):\n        return x.numpy()\n")
    (tmp_path / "main.py").write_text("from agent import Agent\n\nAgent().act(1)\n")
    done = subprocess.run(
        [sys.executable, "-m", "pt_lsp", "check", str(tmp_path), "--no-cache", "--select", "ALL"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pipe.py: not a regular file" in done.stderr
