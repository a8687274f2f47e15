"""The flake8 adapter: entry point, and the tuples flake8 expects from ``run()``."""

from __future__ import annotations

import ast
from importlib.metadata import entry_points

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
