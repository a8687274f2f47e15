"""Linting and fixing Jupyter notebooks: code cells analysed as one program, fixes applied
cell by cell so that each cell's new source is computed from that cell alone.

A fix whose edits reach into two cells is left for a human: the cell boundary is the one
place where the joined program and the notebook disagree. A cell that does not parse, a skipped
cell (``%%bash``) and IPython lines (magics, shell escapes) are never edited.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pt_lsp.core.document import Pos, Span
from pt_lsp.core.engine import parse
from pt_lsp.core.findings import Edit, FileResult, Finding, Fix, Related
from pt_lsp.core.fixes import MAX_ROUNDS, applicable, apply_edits, choose_fixes
from pt_lsp.core.notebook import Cell, JoinedCells, lint_notebook
from pt_lsp.core.selection import Selection


def _cell_lines(cell: Cell) -> int:
    return cell.source.count("\n") + 1


def cell_of_edit(joined: JoinedCells, edit: Edit) -> Cell | None:
    """The cell that holds all of ``edit``; None when it crosses a cell boundary."""
    for cell in joined.cells:
        last = cell.first_line + _cell_lines(cell) - 1
        if not cell.first_line <= edit.span.start.line <= last:
            continue
        end = edit.span.end
        # deleting a cell's last line whole ends at the next cell's first column
        if end.line <= last or end == Pos(last + 1, 0):
            return cell
        return None
    return None


def _local(cell: Cell, span: Span) -> Span:
    shift = cell.first_line - 1
    return Span(Pos(span.start.line - shift, span.start.col), Pos(span.end.line - shift, span.end.col))


def _in_one_cell(joined: JoinedCells, fix: Fix) -> bool:
    cells = {id(cell_of_edit(joined, edit)) for edit in fix.edits}
    return len(cells) == 1 and id(None) not in cells


def _map_fix(joined: JoinedCells, fix: Fix) -> Fix | None:
    if not _in_one_cell(joined, fix):
        return None
    cell = cell_of_edit(joined, fix.edits[0])
    if cell is None:
        return None
    return replace(fix, edits=tuple(Edit(_local(cell, edit.span), edit.content) for edit in fix.edits))


@dataclass(frozen=True)
class CellFinding:
    """A finding with its span (and its fixes' edits) relative to its cell."""

    finding: Finding
    cell: int  # 1-based position among all cells of the notebook, like ruff


def to_cells(joined: JoinedCells, findings: list[Finding]) -> list[CellFinding]:
    located = []
    for finding in findings:
        cell, span = joined.to_cell_span(finding.span)
        fixes = tuple(f for f in (_map_fix(joined, fix) for fix in finding.fixes) if f is not None)
        related = tuple(Related(joined.to_cell_span(r.span)[1], r.message) for r in finding.related)
        located.append(CellFinding(replace(finding, span=span, fixes=fixes, related=related), cell.index + 1))
    return located


def lint_cells(sources: list[tuple[int, str]], path: str, selection: Selection) -> tuple[JoinedCells, FileResult]:
    """Lint the cells as one program; a cell that does not parse gets its own PTL000."""
    return lint_notebook(sources, path, selection)


def _broken(joined: JoinedCells) -> set[int]:
    return {cell.index for cell in joined.broken}


@dataclass
class NotebookFixOutcome:
    sources: list[tuple[int, str]]
    joined: JoinedCells
    fixed: list[Finding] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    converged: bool = True

    def changed(self, original: list[tuple[int, str]]) -> dict[int, str]:
        before = dict(original)
        return {index: source for index, source in self.sources if before.get(index) != source}


def _apply_per_cell(joined: JoinedCells, sources: list[tuple[int, str]], edits: list[Edit]) -> list[tuple[int, str]]:
    by_cell: dict[int, list[Edit]] = {}
    for edit in edits:
        cell = cell_of_edit(joined, edit)
        if cell is None:
            continue  # (edits outside every cell were dropped before)
        by_cell.setdefault(cell.index, []).append(Edit(_local(cell, edit.span), edit.content))
    result = []
    for index, source in sources:
        cell_edits = by_cell.get(index)
        if cell_edits:
            new = apply_edits(source.replace("\r\n", "\n"), cell_edits)
            # deleting a cell's last line leaves a trailing newline the cell did not have
            if not source.endswith("\n") and new.endswith("\n"):
                new = new[:-1]
            source = new
        result.append((index, source))
    return result


def fix_cells(
    sources: list[tuple[int, str]], path: str, selection: Selection, unsafe: bool, max_rounds: int = MAX_ROUNDS
) -> NotebookFixOutcome:
    """Lint and fix the code cells until no applicable fix is left (cf. ``fix_source``)."""
    joined, result = lint_cells(sources, path, selection)
    outcome = NotebookFixOutcome(list(sources), joined)
    for _ in range(max_rounds):
        outcome.errors = result.errors
        outcome.remaining = result.findings
        candidates = [
            f
            for f in result.findings
            if f.fix is not None and applicable(f.fix, unsafe) and _in_one_cell(outcome.joined, f.fix)
        ]
        chosen, edits = choose_fixes(candidates, unsafe)
        if not chosen:
            return outcome
        new_sources = _apply_per_cell(outcome.joined, outcome.sources, edits)
        new_joined, new_result = lint_cells(new_sources, path, selection)
        try:
            parse(new_joined.text, path)
            if not _broken(new_joined) <= _broken(outcome.joined):
                raise SyntaxError("a fixed cell does not parse")
        except (SyntaxError, ValueError):
            outcome.errors = outcome.errors + [
                "a fix produced code that does not parse and was discarded: "
                + ", ".join(sorted({f.code for f in chosen}))
            ]
            return outcome
        outcome.sources, outcome.joined = new_sources, new_joined
        outcome.fixed.extend(chosen)
        result = new_result
    outcome.errors = result.errors
    outcome.remaining = result.findings
    outcome.converged = not any(
        f.fix is not None and applicable(f.fix, unsafe) and _in_one_cell(outcome.joined, f.fix) for f in result.findings
    )
    return outcome
