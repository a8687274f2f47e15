"""pyproject.toml and .gitignore as `pt-lsp check` sees them."""

from __future__ import annotations

import pytest


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.pt-lsp]\n"
        'ignore = ["PTL902"]\n'
        'exclude = ["generated"]\n'
        "[tool.pt-lsp.per-file-ignores]\n"
        '"tests/*" = ["PTL901"]\n'
    )
    for path in ("src/a.py", "tests/test_a.py", "generated/g.py"):
        full = tmp_path / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text("y = x.numpy()\nz = w.data\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_project_config_applies(cli, project, fake_rules):
    run = cli("check", ".", "--select", "PTL901,PTL902")
    # --select replaces the project's select, but its ignore list is replaced too (ruff)
    assert "src/a.py:2:5: PTL902" in run.out
    run = cli("check", ".")
    lines = [line for line in run.out.splitlines() if "PTL9" in line]
    assert lines == ["src/a.py:1:5: PTL901 [*] `.numpy()` call"]  # PTL902 ignored, tests/ and generated/ not


def test_config_found_walking_up_from_a_subdirectory(cli, project, fake_rules, monkeypatch):
    monkeypatch.chdir(project / "tests")
    run = cli("check", "test_a.py")
    assert "PTL901" not in run.out and "PTL902" not in run.out
    run = cli("check", "--stdin-filename", "test_b.py", stdin=b"y = x.numpy()\n")
    assert "PTL901" not in run.out  # per-file-ignores apply to stdin by its name


def test_explicit_excluded_file_is_still_linted(cli, project, fake_rules):
    run = cli("check", "generated/g.py")
    assert "generated/g.py:1:5: PTL901" in run.out


def test_gitignored_files_are_skipped(cli, project, fake_rules):
    (project / ".gitignore").write_text("src/\n")
    run = cli("check", ".")
    assert "src/a.py" not in run.out
    run = cli("check", ".", "--no-respect-gitignore")
    assert "src/a.py" in run.out


def test_broken_pyproject_is_an_error_naming_the_file(cli, tmp_path, fake_rules, only_fakes):
    # The command line refuses a configuration it cannot read, like ruff (the server warns and
    # goes on with the defaults: tests/lsp).
    (tmp_path / "pyproject.toml").write_text("[tool.pt-lsp\n")
    (tmp_path / "a.py").write_text("y = x.numpy()\n")
    run = cli("check", tmp_path, *only_fakes)
    assert run.code == 2
    assert "error:" in run.err and "pyproject.toml" in run.err
    assert "All checks passed" not in run.out and "Traceback" not in run.err


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('select = ["PTL9"]', "select: unknown rule code 'PTL9'"),
        ('select = ["PTL999", "XYZ"]', "select: unknown rule code 'PTL999', 'XYZ'"),
        ('ignore = ["PTL1O2"]', "ignore: unknown rule code 'PTL1O2'"),
        ('colour = "blue"', "unknown key 'colour'"),
        ('per-file-ignores = { "tests/*" = ["PTL77"] }', "per-file-ignores entry 'tests/*': unknown rule code 'PTL77'"),
        ('target-torch = "latest"', "target-torch must be a version"),
        ("select = " + "[" * 500 + "]" * 500, "nested too deeply"),
    ],
    ids=["prefix", "codes", "typo", "key", "per-file", "target-torch", "deep-array"],
)
def test_bad_configuration_is_exit_2_naming_the_key(cli, tmp_path, table, named):
    (tmp_path / "pyproject.toml").write_text(f"[tool.pt-lsp]\n{table}\n")
    (tmp_path / "a.py").write_text("import torch\n")
    run = cli("check", tmp_path)
    assert run.code == 2
    assert named in run.err and "pyproject.toml" in run.err
    assert "All checks passed" not in run.out and "Traceback" not in run.err


def test_valid_selectors_are_accepted(cli, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pt-lsp]\nselect = ["ALL"]\nignore = ["PTL1", "PTL201"]\n')
    (tmp_path / "a.py").write_text("import torch\n")
    run = cli("check", tmp_path)
    assert run.code == 0 and run.err == ""
