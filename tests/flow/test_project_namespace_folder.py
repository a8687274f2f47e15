"""A file of a folder without ``__init__.py`` importing from that folder by its name (audit-19 M2,
our program of the shape): ``from core.constants import DEVICE`` in ``core/cell.py``, run as
``python -m core.cell`` from the parent folder, where Python 3 imports ``core`` as a namespace
package. The device the other file picks is read as when ``core`` had an ``__init__.py``: the
parameter moved with ``.to(DEVICE)`` is a plain tensor (PTL301). A name that is not the file's
own folder is not looked for above it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

CONSTANTS = """\
import torch

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
"""

CELL = """\
import torch
from torch import nn

from {package}.constants import DEVICE


class PeepholeCell(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(2 * channels, 4 * channels, 1)
        self.w_ci = nn.Parameter(torch.zeros(channels, 4, 4)).to(DEVICE)

    def forward(self, x, c):
        return self.conv(x) + self.w_ci * c
"""


def _lint(folder: Path, package: str, sub: str = "") -> list[int]:
    (folder / "constants.py").write_text(CONSTANTS)
    if sub:
        (folder / sub).mkdir()
    cell = folder / sub / "cell.py"
    cell.write_text(CELL.format(package=package))
    return [f.line for f in lint_source(cell.read_text(), str(cell), selection=Selection.of(["PTL301"])).findings]


@pytest.mark.parametrize("init", [False, True])
def test_the_folder_imported_by_its_own_name(tmp_path: Path, init: bool) -> None:
    core = tmp_path / "core"
    core.mkdir()
    if init:
        (core / "__init__.py").write_text("")
    assert _lint(core, "core") == [11]


def test_another_name_is_not_the_folder(tmp_path: Path) -> None:
    core = tmp_path / "core"
    core.mkdir()
    assert _lint(core, "shared") == []


def test_the_folder_above_the_file(tmp_path: Path) -> None:
    """``core/models/cell.py`` importing ``from core.constants import DEVICE``."""
    core = tmp_path / "core"
    core.mkdir()
    assert _lint(core, "core", "models") == [11]
