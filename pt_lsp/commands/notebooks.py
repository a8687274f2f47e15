"""Linting and fixing Jupyter notebooks: code cells analysed as one program, fixes applied
cell by cell so that each cell's new source is computed from that cell alone.

A fix whose edits reach into two cells is left for a human: the cell boundary is the one
place where the joined program and the notebook disagree. A cell that does not parse, a skipped
cell (``%%bash``) and IPython lines (magics, shell escapes) are never edited.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pt_lsp.core.document import Pos, Span
from pt_lsp.core.findings import Edit, FileResult, Finding, Fix, Related
from pt_lsp.core.fixes import MAX_ROUNDS, Linted, apply_edits, fix_loop, reads_bound_names, still_compiles
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
        related = tuple(_related_in_cell(joined, r) for r in finding.related)
        located.append(CellFinding(replace(finding, span=span, fixes=fixes, related=related), cell.index + 1))
    return located


def lint_cells(
    sources: list[tuple[int, str]], path: str, selection: Selection, honour_noqa: bool = True
) -> tuple[JoinedCells, FileResult]:
    """Lint the cells as one program; a cell that does not parse gets its own PTL000."""
    return lint_notebook(sources, path, selection, honour_noqa)


def _related_in_cell(joined: JoinedCells, related: Related) -> Related:
    if related.path is not None:  # a step in an imported file, not in a cell
        return related
    cell, span = joined.to_cell_span(related.span)
    return Related(span, related.message, cell.index + 1)


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
    sources: list[tuple[int, str]],
    path: str,
    selection: Selection,
    unsafe: bool,
    max_rounds: int = MAX_ROUNDS,
    fixing: Selection | None = None,
) -> NotebookFixOutcome:
    """Lint and fix the code cells until no applicable fix is left (the loop of ``fix_source``).
    ``fixing``: the rules whose fixes may be applied (--fixable/--unfixable; None: all those of
    ``selection``); the fixed cells are then linted again with ``selection`` for what is left."""
    if fixing is not None:
        outcome = fix_cells(sources, path, fixing, unsafe, max_rounds)
        outcome.joined, result = lint_cells(outcome.sources, path, selection)
        outcome.remaining = result.findings
        outcome.errors.extend(error for error in result.errors if error not in outcome.errors)
        return outcome
    # The state carries its own lint: applying a round's edits lints the new cells once.
    State = tuple[list[tuple[int, str]], JoinedCells, FileResult]

    def linted(state: State) -> Linted[State]:
        return Linted(state, state[2].findings, state[2].errors)

    def apply(state: State, edits: list[Edit]) -> State:
        cells = _apply_per_cell(state[1], state[0], edits)
        return (cells, *lint_cells(cells, path, selection))

    def valid(old: State, new: State) -> bool:
        # the program still compiles, and no fixed cell stops parsing on its own
        return still_compiles(old[1].text, new[1].text, path) and _broken(new[1]) <= _broken(old[1])

    # No inserted statement may read a name a later cell binds (one no cell binds may come from
    # the kernel).
    reads_bound = reads_bound_names(never_bound_ok=True)

    def in_one_cell(state: State, finding: Finding) -> bool:
        return finding.fix is not None and _in_one_cell(state[1], finding.fix) and reads_bound(state[1].text, finding)

    first: State = (list(sources), *lint_cells(list(sources), path, selection))
    loop = fix_loop(linted(first), linted, apply, valid, unsafe, in_one_cell, max_rounds)
    cells, joined, _ = loop.last.state
    return NotebookFixOutcome(cells, joined, loop.fixed, loop.last.findings, loop.errors, loop.converged)
