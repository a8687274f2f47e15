"""File discovery: .py and .ipynb, default excludes, .gitignore (as git reads it), exclude."""

from __future__ import annotations

import os

from pt_lsp.core.config import ConfigFinder
from pt_lsp.core.discovery import discover
from pt_lsp.core.gitignore import IgnoreRules, parse_line, rules_for


def make(root, *paths):
    for path in paths:
        full = root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text("x = 1\n")


def found(root, *args, **kwargs):
    files = discover([str(root)], *args, **kwargs).files
    return sorted(os.path.relpath(f, root).replace(os.sep, "/") for f in files)


def test_python_files_and_notebooks_only(tmp_path):
    make(tmp_path, "a.py", "b.ipynb", "c.txt", "d.pyc", "pkg/e.py")
    assert found(tmp_path) == ["a.py", "b.ipynb", "pkg/e.py"]


def test_default_excludes(tmp_path):
    make(
        tmp_path,
        "a.py",
        ".git/hook.py",
        ".venv/lib/x.py",
        "node_modules/m.py",
        "pkg/__pycache__/c.py",
        "venv/v.py",
        ".tox/t.py",
    )
    assert found(tmp_path) == ["a.py"]


def test_gitignore_patterns(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text(
        "# comment\n"
        "*.gen.py\n"  # any depth
        "!keep.gen.py\n"  # negation
        "/top_only.py\n"  # anchored
        "out/\n"  # directories only
        "docs/**/conf.py\n"  # '**' in the middle
        "\\#hash.py\n"  # escaped '#'
    )
    make(
        tmp_path,
        "a.gen.py",
        "pkg/b.gen.py",
        "keep.gen.py",
        "top_only.py",
        "pkg/top_only.py",
        "out/x.py",
        "pkg/out/y.py",
        "out_file.py",
        "docs/conf.py",
        "docs/a/b/conf.py",
        "#hash.py",
        "main.py",
    )
    (tmp_path / "notadir").mkdir()
    assert found(tmp_path) == ["keep.gen.py", "main.py", "out_file.py", "pkg/top_only.py"]


def test_dir_only_pattern_does_not_match_a_file(tmp_path):
    (tmp_path / ".gitignore").write_text("build_out/\n")
    make(tmp_path, "a/build_out", "b/build_out/x.py")
    os.rename(tmp_path / "a" / "build_out", tmp_path / "a" / "build_out.py")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "build_out").write_text("")  # a file named like the pattern: not a dir
    assert found(tmp_path) == ["a/build_out.py"]


def test_nested_gitignore_and_negation_in_subdirectory(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("*.py\n!/src/**\n")
    (tmp_path / "src" / "gen").mkdir(parents=True)
    (tmp_path / "src" / ".gitignore").write_text("gen/\n")
    make(tmp_path, "top.py", "src/a.py", "src/gen/b.py", "src/deep/c.py")
    assert found(tmp_path) == ["src/a.py", "src/deep/c.py"]


def test_gitignore_of_an_ancestor_applies(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("secret/\n")
    make(tmp_path, "pkg/secret/a.py", "pkg/ok.py")
    files = discover([str(tmp_path / "pkg")]).files
    assert [os.path.basename(f) for f in files] == ["ok.py"]


def test_gitignore_can_be_disregarded(tmp_path):
    (tmp_path / ".gitignore").write_text("*.py\n")
    make(tmp_path, "a.py")
    assert found(tmp_path) == []
    assert found(tmp_path, respect_gitignore=False) == ["a.py"]


def test_explicit_file_is_linted_even_if_ignored(tmp_path):
    (tmp_path / ".gitignore").write_text("*.py\n")
    make(tmp_path, "a.py")
    result = discover([str(tmp_path / "a.py"), str(tmp_path / "missing.py")])
    assert result.files == [str(tmp_path / "a.py")]
    assert result.missing == [str(tmp_path / "missing.py")]


def test_project_exclude(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pt-lsp]\nexclude = ["generated", "legacy/*.py"]\n')
    make(tmp_path, "a.py", "generated/g.py", "pkg/generated/h.py", "legacy/old.py", "legacy/sub/ok.ipynb")
    # 'legacy/*.py' also matches deeper files (fnmatch's '*' crosses '/') except non-.py ones
    assert found(tmp_path, ConfigFinder()) == ["a.py", "legacy/sub/ok.ipynb"]


def test_duplicates_are_linted_once(tmp_path):
    make(tmp_path, "a.py")
    assert len(discover([str(tmp_path), str(tmp_path / "a.py")]).files) == 1


def test_gitignore_pattern_details():
    base = "/r"
    rules = IgnoreRules(
        tuple(
            p
            for p in (
                parse_line("foo?.py", base),
                parse_line("[ab]*.py", base),
                parse_line("logs/**", base),
                parse_line("trailing\\ ", base),
                parse_line("a/**/z.py", base),
            )
            if p
        )
    )
    assert rules.ignored("/r/x/foo1.py", False)
    assert not rules.ignored("/r/x/foo12.py", False)
    assert rules.ignored("/r/b_thing.py", False) and not rules.ignored("/r/c_thing.py", False)
    assert rules.ignored("/r/logs/deep/x.py", False)
    assert rules.ignored("/r/trailing ", False)
    assert rules.ignored("/r/a/z.py", False) and rules.ignored("/r/a/b/c/z.py", False)
    assert not rules.ignored("/r/x/a/z.py", False)  # a pattern with a '/' is anchored
    assert parse_line("# comment", base) is None and parse_line("   ", base) is None


def test_path_inside_ignored_directory_with_parents(tmp_path):
    (tmp_path / ".gitignore").write_text("out/\n")
    rules = rules_for(str(tmp_path))
    assert rules.ignored(str(tmp_path / "out" / "a.py"), False, parents=True)
    assert not rules.ignored(str(tmp_path / "out" / "a.py"), False)


GIT_PATTERNS = """\
*.gen.py
!keep.gen.py
/top.py
out/
docs/**/conf.py
a/**/z.py
[ab]x.py
?y.py
logs/**
!logs/keep.py
sub/*.py
!sub/ok.py
**/deep/nope.py
build_*
\\#h.py
nested/
"""
GIT_FILES = [
    "a.gen.py",
    "pkg/b.gen.py",
    "keep.gen.py",
    "pkg/keep.gen.py",
    "top.py",
    "pkg/top.py",
    "out/o.py",
    "pkg/out/o.py",
    "docs/conf.py",
    "docs/a/b/conf.py",
    "a/z.py",
    "a/b/c/z.py",
    "ax.py",
    "bx.py",
    "cx.py",
    "yy.py",
    "yyy.py",
    "logs/l.py",
    "logs/keep.py",
    "sub/s.py",
    "sub/ok.py",
    "x/deep/nope.py",
    "build_x/q.py",
    "build_y.py",
    "#h.py",
    "nested/q/n.py",
    "main.py",
    "pkg2/main.py",
    "pkg2/other.py",
]
# what `git ls-files --others --exclude-standard` lists for this tree (checked with git 2.x)
GIT_NOT_IGNORED = [
    "cx.py",
    "keep.gen.py",
    "logs/keep.py",
    "main.py",
    "pkg/keep.gen.py",
    "pkg/top.py",
    "pkg2/main.py",
    "sub/ok.py",
    "yyy.py",
]


def test_agrees_with_git(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text(GIT_PATTERNS)
    make(tmp_path, *GIT_FILES)
    (tmp_path / "pkg2" / ".gitignore").write_text("*.py\n!main.py\n")
    assert found(tmp_path) == GIT_NOT_IGNORED


def test_git_config_excludes_file_value(tmp_path):
    from pt_lsp.core.gitignore import _config_value

    config = tmp_path / "config"
    config.write_text(
        '[user]\n\tname = x\n[core]\n\texcludesfile = first\n[remote "origin"]\n\texcludesFile = not-core\n'
        '[core]\n\tExcludesFile = "~/second file" ; a comment\n'
    )
    assert _config_value(str(config), "core", "excludesfile") == "~/second file"
    assert _config_value(str(tmp_path / "missing"), "core", "excludesfile") is None


def test_force_exclude_applies_to_named_paths(tmp_path):
    from pt_lsp.core.config import ConfigFinder

    (tmp_path / "pyproject.toml").write_text('[tool.pt-lsp]\nexclude = ["vendor"]\n')
    make(tmp_path, "vendor/v.py", "src/a.py", "build/b.py")
    named = [str(tmp_path / p) for p in ("vendor/v.py", "src/a.py", "build/b.py")]
    assert discover(named, ConfigFinder()).files == named  # named: linted
    forced = discover(named, ConfigFinder(), force_exclude=True)
    assert forced.files == [named[1]] and forced.excluded == [named[0], named[2]]
