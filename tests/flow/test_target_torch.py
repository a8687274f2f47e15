"""Behaviour that depends on the torch version follows the project's target (issue 11)."""

from __future__ import annotations

import textwrap

import pytest

from pt_lsp.cli import main
from pt_lsp.core.config import parse_table
from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection
from pt_lsp.core.vocabulary import parse_torch_version

LEAF_UNDER_NO_GRAD = textwrap.dedent(
    """\
    import torch
    layer = torch.nn.Linear(2, 2)
    with torch.no_grad():
        weights = layer.weight.numpy()
    print(layer.weight.numpy())
    """
)


def lines(selection: Selection) -> list[int]:
    return [f.line for f in lint_source(LEAF_UNDER_NO_GRAD, "<t>", selection=selection).findings]


@pytest.mark.parametrize(
    ("target", "expected"),
    [((2, 1), [4, 5]), ((2, 12), [4, 5]), ((2, 13), [5]), ((3, 0), [5])],
)
def test_a_leaf_under_no_grad_is_reported_only_before_torch_2_13(target, expected):
    assert lines(Selection.of(["PTL402"]).targeting(target)) == expected


def test_versions_parse():
    assert parse_torch_version("2.13.0+cpu") == (2, 13)
    assert parse_torch_version(" 2.1 ") == (2, 1)
    assert parse_torch_version("two") is None and parse_torch_version("2") is None


def test_pyproject_target_torch_reaches_the_selection():
    warnings: list[str] = []
    config = parse_table({"target-torch": "2.1"}, "/p", "/p/pyproject.toml", warnings.append)
    assert warnings == [] and config.selection("/p/a.py").target_torch == (2, 1)
    bad = parse_table({"target-torch": 2.1}, "/p", "/p/pyproject.toml", warnings.append)
    assert bad.target_torch is None and "target-torch" in warnings[0]


def test_cli_target_torch(tmp_path, capsys):
    path = tmp_path / "leaf.py"
    path.write_text(LEAF_UNDER_NO_GRAD)
    assert main(["check", str(path), "--select", "PTL402", "--target-torch", "2.1", "--output-format", "concise"]) == 1
    assert capsys.readouterr().out.count("PTL402") == 2
    assert main(["check", str(path), "--select", "PTL402", "--target-torch", "2.13", "--output-format", "concise"]) == 1
    assert capsys.readouterr().out.count("PTL402") == 1
    assert main(["check", str(path), "--target-torch", "latest"]) == 2
    assert "not a torch version: 'latest'" in capsys.readouterr().err
