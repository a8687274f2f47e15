"""PTL203 and the order of a freeze (issue 11): a helper that writes into its argument in place
and only then switches the argument's ``requires_grad`` off (``detach_()``, ``requires_grad =
False``) has written into a leaf that still required grad; torch raises at the write. A freeze
before the write, or one in a loop around it (the next iteration runs after it), keeps the rule
silent. The programs are ours, written for these tests; each is run under torch."""

from __future__ import annotations

import textwrap

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

LEAF = "a leaf Variable that requires grad is being used in an in-place operation"

FILL_THEN_FREEZE = """
import torch
from torch import nn


def fill_table(table, n):
    table[:, 0] = torch.arange(n, dtype=torch.float)
    table.requires_grad = False


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = nn.Embedding(8, 4)
        fill_table(self.table.weight, 8)


model = Model()
"""


def lines(source: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<init>", selection=Selection.of(["PTL203"]))
    assert result.errors == []
    return [f.line for f in result.findings]


def run_error(source: str) -> str | None:
    try:
        exec(compile(source, "<init>", "exec"), {"__name__": "__init_test__"})
    except RuntimeError as error:
        return str(error)
    return None


def test_a_write_before_the_helper_freezes_its_argument() -> None:
    assert lines(FILL_THEN_FREEZE) == [7]
    assert LEAF in (run_error(FILL_THEN_FREEZE) or "")
    detaching = FILL_THEN_FREEZE.replace("table.requires_grad = False", "table.detach_()")
    assert lines(detaching) == [7]
    assert LEAF in (run_error(detaching) or "")


def test_a_freeze_before_the_write_is_silent() -> None:
    frozen_first = FILL_THEN_FREEZE.replace(
        "    table[:, 0] = torch.arange(n, dtype=torch.float)\n    table.requires_grad = False\n",
        "    table.detach_()\n    table[:, 0] = torch.arange(n, dtype=torch.float)\n",
    )
    assert frozen_first != FILL_THEN_FREEZE
    assert lines(frozen_first) == []
    assert run_error(frozen_first) is None


def test_a_freeze_in_a_loop_around_the_write_is_silent() -> None:
    # the rule cannot tell the first iteration from the next: no finding
    looped = FILL_THEN_FREEZE.replace(
        "    table[:, 0] = torch.arange(n, dtype=torch.float)\n    table.requires_grad = False\n",
        "    for column in range(2):\n"
        "        table.requires_grad = False\n"
        "        table[:, column] = torch.arange(n, dtype=torch.float)\n",
    )
    assert looped != FILL_THEN_FREEZE
    assert lines(looped) == []
    assert run_error(looped) is None


def test_a_freeze_of_another_object_keeps_the_rule_silent() -> None:
    # `other.table.requires_grad = False` elsewhere: what it aliases is unknown
    elsewhere = FILL_THEN_FREEZE.replace("    table.requires_grad = False\n", "") + (
        "model.table.weight.requires_grad = False\n"
    )
    assert lines(elsewhere) == []
