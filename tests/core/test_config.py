"""[tool.pt-lsp] in pyproject.toml: parsing, globs, and the walk up from each path."""

from __future__ import annotations

from pt_lsp.core.config import ConfigFinder, load_pyproject, parse_table, path_matches


def test_path_matches_like_ruff():
    assert path_matches("tests/*.py", "tests/test_a.py")
    assert not path_matches("tests/*.py", "src/test_a.py")
    assert path_matches("__init__.py", "pkg/sub/__init__.py")  # no '/': the name matches
    assert path_matches("**/test_*.py", "test_a.py")  # '**/' may match no directory
    assert path_matches("**/test_*.py", "a/b/test_a.py")
    assert path_matches("legacy", "legacy/old.py")  # a directory covers its contents
    assert path_matches("legacy/", "legacy")
    assert not path_matches("legacy", "src/not_legacy.py")


def test_parse_table_reads_every_key():
    warnings = []
    config = parse_table(
        {
            "select": ["PTL1", "ptl4"],
            "extend-select": ["PTL2"],
            "ignore": ["PTL102"],
            "per-file-ignores": {"tests/*": ["PTL401"], "scripts/*.py": "PTL1,PTL2"},
            "exclude": ["generated"],
            "extend-exclude": "vendored/*",
        },
        "/project",
        "/project/pyproject.toml",
        warnings.append,
    )
    assert warnings == []
    assert config.select == ("PTL1", "PTL4", "PTL2")
    assert config.ignore == ("PTL102",)
    assert config.per_file_ignores == (("tests/*", ("PTL401",)), ("scripts/*.py", ("PTL1", "PTL2")))
    assert config.exclude == ("generated", "vendored/*")


def test_bad_values_are_warned_about_and_ignored():
    warnings = []
    config = parse_table(
        {"select": 3, "per-file-ignores": {"a.py": 5}, "colour": "blue"}, "/p", "/p/pyproject.toml", warnings.append
    )
    assert config.select is None and config.per_file_ignores == ()
    assert len(warnings) == 3
    assert any("colour" in w for w in warnings)


def test_selection_layers():
    config = parse_table(
        {"select": ["PTL1", "PTL4"], "ignore": ["PTL102"], "per-file-ignores": {"tests/*": ["PTL4"]}}, "/p", None
    )
    plain = config.selection("/p/src/a.py")
    assert plain.enabled("PTL101") and plain.enabled("PTL401")
    assert not plain.enabled("PTL102") and not plain.enabled("PTL201")
    in_tests = config.selection("/p/tests/test_a.py")
    assert in_tests.enabled("PTL101") and not in_tests.enabled("PTL401")
    # --ignore adds to the project's choice; --select replaces it (ruff's layering)
    assert not config.selection("/p/a.py", cli_ignore=["PTL101"]).enabled("PTL101")
    cli = config.selection("/p/src/a.py", cli_select=["PTL2"])
    assert cli.enabled("PTL201") and not cli.enabled("PTL101")
    # per-file ignores still apply under --select
    assert not config.selection("/p/tests/a.py", cli_select=["PTL4"]).enabled("PTL401")


def test_finder_walks_up_and_skips_pyprojects_without_the_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pt-lsp]\nignore = ["PTL102"]\n')
    sub = tmp_path / "pkg" / "sub"
    sub.mkdir(parents=True)
    (tmp_path / "pkg" / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    finder = ConfigFinder()
    config = finder.for_path(str(sub / "a.py"))
    assert config.root == str(tmp_path)
    assert config.ignore == ("PTL102",)
    assert finder.for_path(str(tmp_path / "pkg")) is config  # cached on the way


def test_nearest_table_wins(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pt-lsp]\nignore = ["PTL102"]\n')
    (tmp_path / "inner").mkdir()
    (tmp_path / "inner" / "pyproject.toml").write_text('[tool.pt-lsp]\nignore = ["PTL401"]\n')
    config = ConfigFinder().for_path(str(tmp_path / "inner" / "x.py"))
    assert config.ignore == ("PTL401",)


def test_broken_pyproject_is_a_warning(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.pt-lsp\nselect = [")
    warnings = []
    assert load_pyproject(str(path), warnings.append) is None
    assert warnings and str(path) in warnings[0]
    assert ConfigFinder(warnings.append).for_path(str(tmp_path / "a.py")).root != str(tmp_path)


def test_all_and_later_layers_in_selection():
    from pt_lsp.core.selection import Selection

    everything = Selection.of(["ALL"])
    assert everything.enabled("PTL201") and everything.enabled("XYZ100")  # plugins' codes too
    assert not Selection.of(["ALL"], ["ALL"]).enabled("PTL201")
    assert Selection.of(["PTL2"], ["ALL"]).enabled("PTL201")  # more specific than ALL
    assert not Selection.of(None, ["ALL"]).enabled("PTL201")  # no select in the layer: subtractive
    # per-file ignores take a code away whatever its specificity (ruff)
    assert not Selection.of(["PTL201"]).extend(["PTL2"]).enabled("PTL201")


def test_python_versions():
    from pt_lsp.core.config import parse_python_version

    assert parse_python_version("py38") == (3, 8) == parse_python_version("3.8")
    assert parse_python_version("py312") == (3, 12)
    assert parse_python_version("2.7") is None and parse_python_version("py36") is None
    assert parse_python_version("latest") is None


def test_overrides_layer_like_ruff():
    from pt_lsp.core.config import Overrides

    table = {"select": ["PTL1"], "ignore": ["PTL101"], "extend-select": ["PTL4"], "exclude": ["a"]}
    applied = Overrides(select=("PTL2",), ignore=("PTL201",), extend_exclude=("b",)).apply(table)
    assert applied["select"] == ["PTL2"] and "ignore" not in applied and "extend-select" not in applied
    assert applied["extend-ignore"] == ["PTL201"] and applied["extend-exclude"] == ["b"]
    assert table["ignore"] == ["PTL101"]  # the project's table is not changed
    config = parse_table(Overrides(values=(("select", ["PTL4"]),)).apply(table), "/p", None)
    assert config.select == ("PTL4", "PTL4")  # --config replaces select; the table's extend-select stays


def test_config_finder_with_a_config_file_and_isolated(tmp_path):
    from pt_lsp.core.config import ConfigFinder, Overrides

    (tmp_path / "pyproject.toml").write_text('[tool.pt-lsp]\nignore = ["PTL102"]\n')
    (tmp_path / "other.toml").write_text('ignore = ["PTL401"]\n')
    fixed = ConfigFinder(config_file=str(tmp_path / "other.toml")).for_path(str(tmp_path / "x.py"))
    assert fixed.ignore == ("PTL401",) and fixed.root == str(tmp_path)
    isolated = ConfigFinder(isolated=True, overrides=Overrides(ignore=("PTL1",))).for_path(str(tmp_path / "x.py"))
    assert isolated.ignore == () and not isolated.selection().enabled("PTL101")
