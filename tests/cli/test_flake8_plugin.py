"""The flake8 adapter: entry point, and the tuples flake8 expects from ``run()``."""

from __future__ import annotations

import ast
from importlib.metadata import entry_points

import pytest

from pt_lsp.flake8_plugin import Plugin

SOURCE = "y = x.numpy()\nz = x.numpy()  # noqa: PTL901\ndef f(:\n"


def test_entry_point_is_declared():
    points = entry_points(group="flake8.extension")
    point = next(p for p in points if p.name == "PTL")
    assert point.load() is Plugin


def test_run_yields_flake8_tuples(fake_rules):
    lines = "y = x.numpy()\nz = x.numpy()  # noqa: PTL901\n".splitlines(keepends=True)
    plugin = Plugin(ast.parse("".join(lines)), "a.py", lines)
    results = [r for r in plugin.run() if r[2].startswith("PTL901")]
    # flake8 handles noqa itself, so both lines are reported; columns are 0-based
    assert [(line, col, kind) for line, col, _, kind in results] == [(1, 4, Plugin), (2, 4, Plugin)]
    assert results[0][2] == "PTL901 `.numpy()` call"


def test_reads_the_file_when_flake8_gives_no_lines(tmp_path, fake_rules):
    path = tmp_path / "a.py"
    path.write_text("y = x.numpy()\n")
    results = list(Plugin(ast.parse(path.read_text()), str(path)).run())
    assert any(message.startswith("PTL901") for _, _, message, _ in results)


def test_syntax_errors_are_left_to_flake8():
    lines = ["def f(:\n"]
    assert list(Plugin(ast.Module(body=[], type_ignores=[]), "a.py", lines).run()) == []


def test_flake8_s_tree_is_linted_not_parsed_again(fake_rules, monkeypatch, tmp_path):
    from pt_lsp.core import engine

    monkeypatch.chdir(tmp_path)  # no project configuration around a.py

    source = "import torch\nh = torch.zeros(1)\nfor i in range(3):\n    y = x.numpy()\n    h.sum().backward()\n"
    lines = source.splitlines(keepends=True)
    linted = engine.lint_source(source, "a.py", honour_noqa=False).findings  # the engine's own parse
    expected = [(f.line, f.span.start.col, f"{f.code} {f.message}", Plugin) for f in linted]
    assert any(message.startswith("PTL901") for _, _, message, _ in expected)

    def no_second_parse(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(engine, "parse", no_second_parse)
    assert list(Plugin(ast.parse(source), "a.py", lines).run()) == expected


def _flake8_runs(monkeypatch, tmp_path, capsys, *args):
    """flake8 in-process on one file: (the codes of the rules the plugin ran, flake8's output)."""
    pytest.importorskip("flake8", reason="the benchmark's and this test's flake8 (pip install flake8)")
    from flake8.main.cli import main

    monkeypatch.chdir(tmp_path)  # no flake8 or pt-lsp configuration around a.py
    monkeypatch.setattr(Plugin, "flake8_drops", None)  # parse_options sets it for the process
    (tmp_path / "a.py").write_text("y = x.numpy()\n")
    ran: list[str] = []
    lint_tree = Plugin._lint_tree

    def spy(self, source, tree, selection, rules):
        ran.extend(rule.code for rule in rules)
        return lint_tree(self, source, tree, selection, rules)

    monkeypatch.setattr(Plugin, "_lint_tree", spy)
    capsys.readouterr()
    assert main(["--jobs", "1", "--exit-zero", *args, "a.py"]) == 0
    return ran, capsys.readouterr().out


def test_flake8_runs_only_the_rules_whose_codes_it_reports(fake_rules, monkeypatch, tmp_path, capsys):
    ran, out = _flake8_runs(monkeypatch, tmp_path, capsys, "--select", "PTL901")
    assert ran == ["PTL901"]
    assert "a.py:1:5: PTL901 `.numpy()` call" in out

    ran, out = _flake8_runs(monkeypatch, tmp_path, capsys, "--select", "E,F,W,C90")
    assert ran == [] and "PTL" not in out  # flake8 would drop every PTL code: nothing is run
    assert "F821 undefined name 'x'" in out


def test_flake8_s_default_selection_runs_every_rule(fake_rules, monkeypatch, tmp_path, capsys):
    from pt_lsp.core.engine import selected_rules

    ran, out = _flake8_runs(monkeypatch, tmp_path, capsys, "--extend-ignore", "PTL902")
    assert sorted(ran) == sorted(rule.code for rule in selected_rules() if rule.code != "PTL902")
    assert "PTL901" in out
