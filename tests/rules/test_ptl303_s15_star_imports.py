"""PTL303: `super(Name, self)` naming a class nothing defines, in a file with a star import of a
torch module whose exports are known (audit-18 M2, the reading's R8: `from torch.nn.utils.rnn
import *` and `super(RNN1, self).__init__()` in `class RNN`). Building the model raises
NameError under torch 2.13 (checked here); the star import cannot bind the name. A star import
of a module whose exports are unknown (the project's own) may bind it: silent, as before.
The programs are ours."""

from __future__ import annotations

import pytest
from rules_helpers import source

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

torch = pytest.importorskip("torch")

TEMPLATE = """
import torch.nn as nn
{star}


class RNN(nn.Module):
    def __init__(self, n_in, n_out):
        super(RNN1, self).__init__()
        self.fc = nn.Linear(n_in, n_out)

    def forward(self, x):
        return self.fc(x)
"""


def _lines(text: str) -> list[int]:
    result = lint_source(source(text), selection=Selection.of(["PTL303"]))
    assert result.errors == []
    return [f.line for f in result.findings]


@pytest.mark.parametrize(
    "star",
    ["from torch.nn.utils.rnn import *", "from torch.autograd import *"],
)
def test_an_undefined_super_name_beside_a_torch_star_import_is_reported(star: str) -> None:
    text = TEMPLATE.format(star=star)
    line = next(i for i, row in enumerate(source(text).splitlines(), 1) if "super(RNN1" in row)
    assert _lines(text) == [line]
    namespace: dict[str, object] = {}
    exec(compile(source(text), "<prog>", "exec"), namespace)
    with pytest.raises(NameError, match="RNN1"):
        namespace["RNN"](3, 2)  # type: ignore[operator]


def test_a_star_import_of_an_unknown_module_may_bind_it() -> None:
    assert _lines(TEMPLATE.format(star="from layers import *")) == []


def test_the_star_import_binds_what_it_exports() -> None:
    text = TEMPLATE.format(star="from torch.nn.utils.rnn import *").replace("RNN1", "RNN")
    assert _lines(text) == []
