"""A rule's findings do not depend on which other rules run beside it: the flow engine's facts
are computed on demand, and a value one rule asked for first must not change what another rule is
told (session 15 found PTL305 answering differently on torch's distributed_test.py with every rule
selected than alone). Checked on the realistic corpus: each flow rule alone against the same rule
in a run of every rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.rule import all_rules
from pt_lsp.core.selection import Selection

FILES = sorted((Path(__file__).parent.parent / "corpus" / "files").glob("*.py"))
FLOW_FAMILIES = ("PTL2", "PTL3", "PTL4", "PTL5")


def _findings(source: str, name: str, codes: list[str]) -> set[tuple[str, int, int, str]]:
    result = lint_source(source, name, selection=Selection.of(codes))
    return {(f.code, f.line, f.span.start.col, f.message) for f in result.findings}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_flow_rule_alone_finds_what_it_finds_beside_the_others(path: Path) -> None:
    source = path.read_text()
    codes = [code for code in all_rules() if code.startswith(FLOW_FAMILIES)]
    together = _findings(source, path.name, ["ALL"])
    for code in codes:
        alone = _findings(source, path.name, [code])
        assert alone == {f for f in together if f[0] == code}, code
