"""Issue 14's everyday papercuts: ALL, force-exclude, fixes that cannot be written, file
ownership, unreadable folders, stdin in JSON, git's global excludes, the flake8 plugin's config,
the port of `server --tcp HOST:0`."""

from __future__ import annotations

import ast
import errno
import json
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest

from pt_lsp.commands import lint_file
from pt_lsp.flake8_plugin import Plugin

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE = "y = x.numpy()\nz = w.data\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(SOURCE)
    return tmp_path


def test_ignore_all_on_the_command_line(cli, project, fake_rules):
    assert cli("check", "a.py", "--no-cache", "--ignore", "ALL").code == 0
    # a more specific --select beside --ignore ALL wins (ruff: the same layer)
    run = cli("check", "a.py", "--no-cache", "--select", "PTL902", "--ignore", "ALL")
    assert run.code == 1 and "PTL902" in run.out and "PTL901" not in run.out


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('select = ["ALL"]', {"PTL901", "PTL902"}),
        ('ignore = ["ALL"]', set()),
        ('select = ["ALL"]\nignore = ["PTL901"]', {"PTL902"}),
        ('select = ["PTL902"]\nignore = ["ALL"]', {"PTL902"}),  # more specific than ALL
    ],
)
def test_all_in_pyproject(cli, project, fake_rules, table, expected):
    (project / "pyproject.toml").write_text(f"[tool.pt-lsp]\n{table}\n")
    run = cli("check", "a.py", "--no-cache")
    assert {code for code in ("PTL901", "PTL902") if code in run.out} == expected
    assert run.err == ""


def test_ignore_all_on_the_command_line_beats_the_project_select(cli, project, fake_rules):
    (project / "pyproject.toml").write_text('[tool.pt-lsp]\nselect = ["PTL901"]\n')
    assert cli("check", "a.py", "--no-cache", "--ignore", "ALL").code == 0  # a later layer


def test_force_exclude_skips_named_excluded_files(cli, project, fake_rules, only_fakes):
    (project / "pyproject.toml").write_text('[tool.pt-lsp]\nexclude = ["third_party/"]\n')
    (project / "third_party").mkdir()
    (project / "third_party" / "v.py").write_text(SOURCE)
    assert cli("check", "third_party/v.py", *only_fakes, "--no-cache").code == 1  # named: linted, like ruff
    run = cli("check", "third_party/v.py", "a.py", *only_fakes, "--no-cache", "--force-exclude")
    assert "third_party" not in run.out and "a.py:1:5: PTL901" in run.out
    # the fix hook leaves the vendored file alone
    cli("check", "third_party/v.py", *only_fakes, "--force-exclude", "--fix")
    assert (project / "third_party" / "v.py").read_text() == SOURCE
    # stdin named as an excluded file: passed through, not linted
    run = cli("check", "--stdin-filename", "third_party/v.py", "--force-exclude", *only_fakes, stdin=SOURCE.encode())
    assert run.code == 0 and "PTL901" not in run.out


def test_pre_commit_hooks_pass_force_exclude():
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text()
    entries = [line.split(":", 1)[1].strip() for line in hooks.splitlines() if line.startswith("  entry:")]
    assert entries == ["pt-lsp check --force-exclude", "pt-lsp check --force-exclude --fix"]


def test_read_only_file_is_left_alone_and_reported(cli, project, fake_rules, only_fakes):
    path = project / "a.py"
    path.chmod(0o444)
    run = cli("check", "a.py", *only_fakes, "--fix")
    assert path.read_text() == SOURCE
    assert run.code == 2
    assert "a.py: could not write the fixed file, left unchanged: Permission denied" in run.err
    assert "a.py:1:5: PTL901 [*]" in run.out  # the finding is kept, its fix still offered
    assert "All checks passed!" not in run.out and "fixed" not in run.out


def test_write_error_keeps_the_findings(cli, project, fake_rules, only_fakes, monkeypatch):
    def full_disk(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(lint_file, "write_atomic", full_disk)
    run = cli("check", "a.py", *only_fakes, "--fix")
    assert run.code == 2 and "No space left on device" in run.err
    assert "a.py:1:5: PTL901 [*]" in run.out and "All checks passed!" not in run.out
    assert (project / "a.py").read_text() == SOURCE


def test_fix_keeps_owner_group_and_mode(cli, project, fake_rules, only_fakes):
    path = project / "a.py"
    uid, gid = (1234, 2345) if os.geteuid() == 0 else (os.geteuid(), os.getegid())
    os.chown(path, uid, gid)
    path.chmod(0o640)
    assert cli("check", "a.py", *only_fakes, "--fix").code == 1  # PTL902 is left
    info = path.stat()
    assert "cpu()" in path.read_text()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (uid, gid, 0o640)


def test_path_in_unreadable_folder_says_permission_denied(cli, project, monkeypatch):
    real_stat = os.stat

    def stat_(path, *args, **kwargs):
        if str(path).startswith("locked/"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat_)
    run = cli("check", "locked/a.py", "--no-cache")
    assert run.code == 2
    assert "error: locked/a.py: Permission denied" in run.err
    assert "no such file" not in run.err and "All checks passed!" not in run.out


def test_json_names_stdin_dash(cli, fake_rules, only_fakes):
    run = cli("check", "-", "--output-format", "json", *only_fakes, stdin=b"y = x.numpy()\n")
    assert {entry["filename"] for entry in json.loads(run.out)} == {"-"}


def _repo(tmp_path, monkeypatch):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    for name in ("kept.py", "secret.py"):
        (tmp_path / "repo" / name).write_text("x = 1\n")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.chdir(tmp_path / "repo")


def test_global_git_excludes_file_default_location(cli, tmp_path, monkeypatch):
    _repo(tmp_path, monkeypatch)
    ignore = tmp_path / "home" / ".config" / "git" / "ignore"
    ignore.parent.mkdir(parents=True)
    ignore.write_text("secret.py\n")
    assert cli("check", "--show-files").out.split() == ["kept.py"]
    assert cli("check", "--show-files", "--no-respect-gitignore").out.split() == ["kept.py", "secret.py"]


def test_global_git_excludes_file_from_core_excludesfile(cli, tmp_path, monkeypatch):
    _repo(tmp_path, monkeypatch)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "mine.ignore").write_text("kept.py\n")
    (tmp_path / "home" / ".gitconfig").write_text('[core]\n\texcludesFile = "~/mine.ignore"  # mine\n')
    assert cli("check", "--show-files").out.split() == ["secret.py"]


def test_flake8_plugin_reads_the_project_table(tmp_path, fake_rules):
    (tmp_path / "pyproject.toml").write_text('[tool.pt-lsp]\nignore = ["PTL901"]\n')
    path = tmp_path / "a.py"
    path.write_text(SOURCE)
    codes = {message.split()[0] for _, _, message, _ in Plugin(ast.parse(SOURCE), str(path)).run()}
    assert "PTL902" in codes and "PTL901" not in codes


def test_server_tcp_port_zero_says_the_port():
    process = subprocess.Popen(
        [sys.executable, "-m", "pt_lsp", "server", "--tcp", "127.0.0.1:0"],
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stderr.readline()
    finally:
        process.kill()
        process.wait()
    assert line.startswith("pt-lsp server: listening on 127.0.0.1:")
    assert int(line.rsplit(":", 1)[1]) > 0


def write_as_nobody(path: str) -> int:
    """write_atomic in a forked child that became another user (this interpreter's own
    library is not readable by that user: no new interpreter)."""
    from pt_lsp.core.filefix import write_atomic

    child = os.fork()
    if child == 0:
        try:
            os.setgid(65534)
            os.setuid(65534)
            write_atomic(path, b"fixed\n")
        except BaseException:
            os._exit(1)
        os._exit(0)
    return os.waitpid(child, 0)[1]


def test_a_file_of_someone_else_is_rewritten_in_place(tmp_path):
    """A file we may write but not own: a renamed copy would become ours, so it is rewritten in
    place and keeps its owner (ruff writes in place too)."""
    if os.geteuid() == 0:  # pytest's folders are private to root: one the other user can reach
        tmp_path = pathlib.Path(tempfile.mkdtemp())
        tmp_path.chmod(0o777)
    path = tmp_path / "shared.py"
    path.write_text("original\n")
    path.chmod(0o666)
    if os.geteuid() == 0:  # write it as another user
        assert write_as_nobody(str(path)) == 0
        expected_owner = 0
    else:  # a folder we may not write in: no temporary file can be made beside the file
        from pt_lsp.core.filefix import write_atomic

        tmp_path.chmod(0o555)
        try:
            write_atomic(str(path), b"fixed\n")
        finally:
            tmp_path.chmod(0o755)
        expected_owner = os.geteuid()
    assert path.read_text() == "fixed\n"
    assert path.stat().st_uid == expected_owner and stat.S_IMODE(path.stat().st_mode) == 0o666
    assert [p.name for p in tmp_path.iterdir()] == ["shared.py"]
    if os.geteuid() == 0:
        shutil.rmtree(tmp_path)
