"""Jupyter notebooks: code cells are linted in order, as one program, and findings mapped back.

Each cell is analysed in the context of the cells before it (a tensor moved to CUDA in cell 2
is still on CUDA in cell 5). IPython syntax is turned into Python line for line, so that line
numbers and the columns of every other line stay aligned:

- a line magic, shell escape or help line (``%matplotlib inline``, ``!pip install torch``,
  ``obj?``, ``?obj``) becomes ``pass`` at the same indentation;
- an assignment from one (``files = !ls``) becomes ``files = None``, so that the name stays bound;
- ``%time stmt`` keeps ``stmt``, at its columns, when it is an expression or an assignment
  (``_ =   y = f()``, ``t =       f()``): it runs in the notebook's namespace;
- a cell magic whose body is Python (``%%time``, ``%%capture`` ...) loses its first line and its
  body is linted; any other cell magic (``%%bash``, ``%%writefile`` ...) skips the whole cell.

The lines so replaced are *masked*: no fix may edit them, since the user's text there is not
the text that was analysed. A cell that does not parse (:func:`lint_notebook`) is masked whole
and left out of the program, but for the names it assigns at its top level, which become unknown;
it gets its own PTL000 and the other cells are analysed as usual.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, replace

from .document import Document, Pos, Span
from .engine import lint_source, parse, syntax_error_finding
from .findings import FileResult, Finding, Fix
from .rule import SYNTAX_ERROR
from .selection import Selection

# Cell magics that run their body as Python in the notebook's namespace.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit"})

_CELL_MAGIC = re.compile(r"\s*%%\s*([\w.-]*)")
# ``target = !cmd`` / ``target = %magic``: a simple or subscripted/attribute target, or several.
_MAGIC_ASSIGN = re.compile(r"(\s*[\w.\[\]()'\", *]+?\s*=\s*)[!%]")
_ESCAPES = ("%", "!", "?")
_TIME = re.compile(r"%time[ \t]+")


@dataclass(frozen=True)
class Cell:
    index: int  # position among all cells of the notebook (markdown included)
    source: str  # the user's text (``\r\n`` made ``\n``)
    first_line: int  # 1-based line of the cell's first line in the joined program
    code: str = ""  # what the cell contributes to the program: as many lines as ``source``
    masked: frozenset[int] = frozenset()  # 1-based cell lines whose text is not the user's Python
    skipped: bool = False  # a cell magic whose body is not Python (``%%bash``)
    error: SyntaxError | None = None  # the cell does not parse: left out of the program

    @property
    def line_count(self) -> int:
        return self.source.count("\n") + 1

    @property
    def last_line(self) -> int:
        """1-based line of the cell's last line in the joined program."""
        return self.first_line + self.line_count - 1


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

    def describe_line(self, line: int) -> str:
        """``cell 3, line 2`` for joined ``line`` (cells numbered from 1 among all cells, like ruff)."""
        cell, local = self.locate(line)
        return f"cell {cell.index + 1}, line {local}"

    def to_cell_span(self, span: Span) -> tuple[Cell, Span]:
        cell, start_line = self.locate(span.start.line)
        offset = cell.first_line - 1
        end = Pos(span.end.line - offset, span.end.col)
        cell_lines = cell.line_count
        if end.line > cell_lines:  # a span running past the cell's end is cut at it
            end = Pos(cell_lines, len(cell.source.split("\n")[-1]))
        return cell, Span(Pos(start_line, span.start.col), end)

    def from_cell_span(self, cell_index: int, span: Span) -> Span:
        cell = next(c for c in self.cells if c.index == cell_index)
        shift = cell.first_line - 1
        return Span(Pos(span.start.line + shift, span.start.col), Pos(span.end.line + shift, span.end.col))

    @property
    def broken(self) -> tuple[Cell, ...]:
        """The cells left out of the program because they do not parse."""
        return tuple(cell for cell in self.cells if cell.error is not None)

    def touches_masked(self, span: Span) -> bool:
        """Whether an edit of joined ``span`` would change a masked line (a magic, a skipped or
        broken cell). An edit ending at column 0 stops before that line."""
        last = span.end.line - 1 if span.end.col == 0 and span.end.line > span.start.line else span.end.line
        for cell in self.cells:
            if cell.masked and cell.first_line <= last and span.start.line <= cell.last_line:
                lines = range(span.start.line - cell.first_line + 1, last - cell.first_line + 2)
                if any(line in cell.masked for line in lines):
                    return True
        return False

    def syntax_error_finding(self, cell: Cell) -> Finding:
        """PTL000 for a broken ``cell``, in joined coordinates (the reporters map it back)."""
        assert cell.error is not None
        finding = syntax_error_finding(Document(cell.source), cell.error)
        return replace(finding, span=self.from_cell_span(cell.index, finding.span))


# -- IPython syntax -> Python ----------------------------------------------------------------------
@dataclass
class _Scan:
    """Where a line-by-line scan of Python source stands at the end of a line."""

    quote: str | None = None  # the open string's quote (' " ''' \"\"\")
    depth: int = 0  # open brackets
    backslash: bool = False  # the line ended with a continuation backslash
    last: str = ""  # the line's last character of code (outside strings and comments)

    @property
    def at_statement_start(self) -> bool:
        return self.quote is None and self.depth == 0 and not self.backslash

    def feed(self, line: str) -> None:
        self.backslash, self.last = False, ""
        i, n = 0, len(line)
        while i < n:
            ch = line[i]
            if self.quote is not None:
                if ch == "\\":
                    if i == n - 1:
                        self.backslash = len(self.quote) == 1  # a short string continues
                    i += 2
                    continue
                if line.startswith(self.quote, i):
                    i += len(self.quote)
                    self.quote, self.last = None, ch
                    continue
                i += 1
                continue
            if ch == "#":
                break
            if ch in "'\"":
                self.quote = ch * 3 if line.startswith(ch * 3, i) else ch
                i += len(self.quote)
                continue
            if ch == "\\" and i == n - 1:
                self.backslash = True
                break
            if ch in "([{":
                self.depth += 1
            elif ch in ")]}":
                self.depth = max(self.depth - 1, 0)
            if not ch.isspace():
                self.last = ch
            i += 1
        if self.quote is not None and len(self.quote) == 1 and not self.backslash:
            self.quote = None  # an unterminated short string ends at the line's end (a syntax error)


def ipython_to_python(source: str) -> tuple[str, frozenset[int], bool]:
    """``source`` with its IPython syntax replaced line for line, the 1-based lines replaced,
    and whether the cell is not Python at all (a ``%%bash`` cell: every line blanked)."""
    lines = source.split("\n")
    masked: set[int] = set()
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if start < len(lines) and lines[start].lstrip().startswith("%%"):
        match = _CELL_MAGIC.match(lines[start])
        if match is None or match.group(1) not in PYTHON_CELL_MAGICS:
            return "\n".join("" for _ in lines), frozenset(range(1, len(lines) + 1)), True
        lines[start] = ""
        masked.add(start + 1)
        start += 1
    scan = _Scan()
    escaped_continues = False  # a magic line ended with a backslash: its next line belongs to it
    for i in range(start, len(lines)):
        line = lines[i]
        if escaped_continues:
            escaped_continues = line.rstrip().endswith("\\")
            lines[i] = ""
            masked.add(i + 1)
            continue
        statement_start = scan.at_statement_start
        if statement_start:
            stripped = line.lstrip()
            indent = line[: len(line) - len(stripped)]
            assign = _MAGIC_ASSIGN.match(line)
            if assign is not None and not _is_assignment(assign.group(1) + "None"):
                assign = None  # print("loss=%.3f" % loss) is Python
            if stripped.startswith(_ESCAPES) or assign is not None:
                head = assign.group(1) if assign is not None else indent
                lines[i] = _timed(head, line[len(head) :]) or (head + "None" if assign is not None else head + "pass")
                masked.add(i + 1)
                escaped_continues = stripped.rstrip().endswith("\\")
                continue
        scan.feed(line)
        if statement_start and scan.at_statement_start and scan.last == "?":  # obj? / obj??
            lines[i] = indent + "pass"
            masked.add(i + 1)
    return "\n".join(lines), frozenset(masked), False


def _is_assignment(line: str) -> bool:
    try:
        tree = parse(line.strip())
    except (SyntaxError, ValueError, RecursionError):
        return False
    return len(tree.body) == 1 and isinstance(tree.body[0], ast.Assign)


def _timed(head: str, magic: str) -> str | None:
    """``%time stmt`` runs ``stmt`` in the notebook's namespace: keep it at its columns, as
    ``_ =  stmt`` (``x =      value`` for ``x = %time value``), when it is an expression or an
    assignment; None otherwise."""
    match = _TIME.match(magic)
    if match is None or magic.rstrip().endswith("\\"):
        return None
    statement, width = magic[match.end() :], len(match.group(0))
    try:
        tree = parse("_ = " + statement.strip())
    except (SyntaxError, ValueError, RecursionError):
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assign):
        return None
    if head.strip():  # x = %time value: the value must be an expression
        return head + " " * width + statement if len(tree.body[0].targets) == 1 else None
    return head + "_ =" + " " * (width - 3) + statement


# -- joining -------------------------------------------------------------------------------------
def _cell_error(code: str) -> SyntaxError | None:
    try:
        parse(code)
    except SyntaxError as error:
        return error
    except ValueError as error:  # NUL bytes
        return SyntaxError(str(error), ("<cell>", 1, 1, ""))
    except RecursionError:
        return None  # the whole program will say it is too deeply nested
    return None


# A top-level assignment of a broken cell: ``loss = <YOUR CODE>``, ``a, b = ...``, ``n += ...``.
_BINDING = re.compile(r"([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?:[-+*/%@&|^]|//|\*\*)?=(?!=)")
UNPARSED = "__pt_lsp_unparsed_cell__"  # an unbound name: its value is unknown to the analysis


def _blank(cell: Cell, error: SyntaxError) -> Cell:
    """The cell left out: blank lines, except that each name it assigns at its top level is bound
    to an unknown value (an exercise cell ``loss = <YOUR CODE>`` replaces the ``loss`` of the
    cells before; their facts must not flow past it)."""
    lines = []
    for line in cell.source.split("\n"):
        match = _BINDING.match(line)
        names = [name.strip() for name in match.group(1).split(",")] if match else []
        lines.append(" = ".join([*names, UNPARSED]) if names else "")
    return replace(cell, code="\n".join(lines), masked=frozenset(range(1, cell.line_count + 1)), error=error)


def _joined(cells: list[Cell]) -> JoinedCells:
    return JoinedCells("\n".join(cell.code for cell in cells) + "\n", tuple(cells))


def join_cells(sources: list[tuple[int, str]], isolate_errors: bool = False) -> JoinedCells:
    """Join ``(cell index, source)`` pairs of code cells into one program.

    With ``isolate_errors``, a cell that does not parse is left out of the program (its lines
    blank, its ``error`` set), so that the others are still analysed; see :func:`lint_notebook`.
    """
    cells, line = [], 1
    for index, source in sources:
        source = source.replace("\r\n", "\n")
        code, masked, skipped = ipython_to_python(source)
        cells.append(Cell(index, source, line, code, masked, skipped))
        line += cells[-1].line_count
    joined = _joined(cells)
    if not isolate_errors or _parses(joined.text):
        return joined  # the common case: one parse of the whole program, no cell parsed alone
    # Some cell does not parse: each is tried alone, and the broken ones are left out.
    cells = [_blank(c, error) if not c.skipped and (error := _cell_error(c.code)) else c for c in cells]
    joined = _joined(cells)
    # Cells that parse alone parse together; should they not, the culprit is left out too.
    for _ in range(len(cells) if isolate_errors else 0):
        try:
            parse(joined.text)
            break
        except (SyntaxError, ValueError, RecursionError) as error:
            if not isinstance(error, SyntaxError) or not error.lineno:
                break
            cell, local = joined.locate(error.lineno)
            if cell.error is not None:
                break
            error.lineno = local
            cells = [_blank(c, error) if c is cell else c for c in cells]
            joined = _joined(cells)
    return joined


def _parses(text: str) -> bool:
    try:
        parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return False
    return True


def _safe_fix(joined: JoinedCells, fix: Fix) -> bool:
    return not any(joined.touches_masked(edit.span) for edit in fix.edits)


# "on line 12" in a message (PTL201's earlier backward, PTL403's write and read) names a line of the
# joined program; the user sees cells, so it is rewritten to the cell and the line in it.
_LINE_REFERENCE = re.compile(r"\b(?:on )?line (\d+)\b")


def lint_notebook(
    sources: list[tuple[int, str]], path: str, selection: Selection | None = None, honour_noqa: bool = True
) -> tuple[JoinedCells, FileResult]:
    """Lint code cells as one program; a cell that does not parse gets its own PTL000 and the
    others are linted without it. Spans are in joined coordinates (map them with
    :meth:`JoinedCells.to_cell_span`); fixes that would edit a masked line are dropped."""
    joined = join_cells(sources, isolate_errors=True)
    result = lint_source(joined.text, path, selection, honour_noqa=honour_noqa)
    findings = []
    for finding in result.findings:
        fixes = tuple(fix for fix in finding.fixes if _safe_fix(joined, fix))
        message = _LINE_REFERENCE.sub(lambda m: f"in {joined.describe_line(int(m.group(1)))}", finding.message)
        if len(fixes) != len(finding.fixes) or message != finding.message:
            finding = replace(finding, fixes=fixes, message=message)
        findings.append(finding)
    if (selection or Selection()).enabled(SYNTAX_ERROR):
        findings.extend(joined.syntax_error_finding(cell) for cell in joined.broken)
    result.findings = sorted(findings, key=lambda f: (f.span, f.code))
    return joined, result


def code_cells(notebook_json: str) -> list[tuple[int, str]]:
    """``(cell index, source)`` of each code cell of an ``.ipynb`` file's JSON text."""
    data = json.loads(notebook_json)
    result = []
    for index, cell in enumerate(data.get("cells", [])):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        result.append((index, source if isinstance(source, str) else ""))
    return result
