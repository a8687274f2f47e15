"""The fix loop keeps only rounds whose result compiles (not merely parses)."""

from __future__ import annotations

from pt_lsp.core.document import Pos, Span
from pt_lsp.core.findings import Edit, Finding, Fix
from pt_lsp.core.fixes import Linted, apply_edits, fix_loop, still_compiles


def test_compiles_not_just_parses():
    assert still_compiles("f(a=1)\n", "f(a=1, b=2)\n", "<t>")
    assert not still_compiles("f(a=1)\n", "f(a=1, a=2)\n", "<t>")  # parses; the compiler refuses it
    assert not still_compiles("x = 1\n", "return x\n", "<t>")
    # a fragment that never compiled may be fixed as long as it fails the same way
    assert still_compiles("return x.data\n", "return x.detach()\n", "<t>")


def test_a_round_that_breaks_compilation_is_discarded():
    text = "f(a=1)\n"
    repeat = Finding(
        "PTL999", "test", "m", Span(Pos(1, 0), Pos(1, 6)), fixes=(Fix("t", (Edit.insert(Pos(1, 5), ", a=2"),)),)
    )

    def lint(source: str) -> Linted[str]:
        return Linted(source, [repeat] if source == text else [], [])

    outcome = fix_loop(lint(text), lint, apply_edits, lambda old, new: still_compiles(old, new, "<t>"), unsafe=True)
    assert outcome.last.state == text and outcome.fixed == []
    assert any("does not compile" in error for error in outcome.errors)
