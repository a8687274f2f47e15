"""Jupyter notebooks: code cells are linted in order, as one program, and findings mapped back.

Each cell is analysed in the context of the cells before it (a tensor moved to CUDA in cell 2
is still on CUDA in cell 5). IPython magics and shell escapes (``%time``, ``!pip``) are
blanked to ``pass``-free empty lines so that line numbers stay aligned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .document import Pos, Span


@dataclass(frozen=True)
class Cell:
    index: int  # position among all cells of the notebook (markdown included)
    source: str
    first_line: int  # 1-based line of the cell's first line in the joined program


@dataclass(frozen=True)
class JoinedCells:
    text: str
    cells: tuple[Cell, ...]

    def locate(self, line: int) -> tuple[Cell, int]:
        """The cell holding joined ``line`` and the 1-based line inside that cell."""
        found = self.cells[0]
        for cell in self.cells:
            if cell.first_line <= line:
                found = cell
        return found, line - found.first_line + 1

    def to_cell_span(self, span: Span) -> tuple[Cell, Span]:
        cell, start_line = self.locate(span.start.line)
        offset = cell.first_line - 1
        end = Pos(span.end.line - offset, span.end.col)
        cell_lines = cell.source.count("\n") + 1
        if end.line > cell_lines:  # a span running past the cell's end is cut at it
            end = Pos(cell_lines, len(cell.source.split("\n")[-1]))
        return cell, Span(Pos(start_line, span.start.col), end)

    def from_cell_span(self, cell_index: int, span: Span) -> Span:
        cell = next(c for c in self.cells if c.index == cell_index)
        shift = cell.first_line - 1
        return Span(Pos(span.start.line + shift, span.start.col), Pos(span.end.line + shift, span.end.col))


def _blank_magics(source: str) -> str:
    lines = source.split("\n")
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def join_cells(sources: list[tuple[int, str]]) -> JoinedCells:
    """Join ``(cell index, source)`` pairs of code cells into one program."""
    parts, cells, line = [], [], 1
    for index, source in sources:
        source = source.replace("\r\n", "\n")
        cells.append(Cell(index, source, line))
        parts.append(_blank_magics(source))
        line += source.count("\n") + 1
    return JoinedCells("\n".join(parts) + "\n", tuple(cells))


def code_cells(notebook_json: str) -> list[tuple[int, str]]:
    """``(cell index, source)`` of each code cell of an ``.ipynb`` file's JSON text."""
    data = json.loads(notebook_json)
    result = []
    for index, cell in enumerate(data.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        result.append((index, "".join(source) if isinstance(source, list) else source))
    return result
