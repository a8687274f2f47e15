"""Source text with a line index and column conversions.

The core speaks *code-point* columns (0-based) and 1-based lines, like ``ast`` does for lines.
``ast`` reports UTF-8 *byte* offsets for columns; editors speak UTF-16 code units by default.
All conversions live here so that each boundary converts exactly once.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True, order=True)
class Pos:
    """A position: 1-based line, 0-based code-point column."""

    line: int
    col: int


@dataclass(frozen=True, order=True)
class Span:
    start: Pos
    end: Pos

    @classmethod
    def of(cls, line: int, col: int, end_line: int, end_col: int) -> Span:
        return cls(Pos(line, col), Pos(end_line, end_col))


def utf16_len(text: str) -> int:
    """Number of UTF-16 code units of ``text`` (astral characters count twice)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


# str.splitlines() also breaks at these; Python's tokenizer and LSP only at \n, \r\n and \r.
_OTHER_BREAKS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` with their endings, as Python and LSP count lines (a form feed
    or U+2028 inside a line does not end it)."""
    if not any(ch in text for ch in _OTHER_BREAKS):
        return text.splitlines(keepends=True)  # the same result, much faster
    return _LINE.findall(text)


class Document:
    """Immutable text plus an index of line starts (built on first use: most files linted
    have no finding, and never need a position converted)."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def lines(self) -> list[str]:
        lines = split_lines(self.text)
        if not lines or lines[-1].endswith(("\n", "\r")):
            lines.append("")
        return lines

    @cached_property
    def _starts(self) -> list[int]:
        starts = [0]
        for line in self.lines[:-1]:
            starts.append(starts[-1] + len(line))
        return starts

    # -- lines -------------------------------------------------------------------------------
    def line_text(self, line: int) -> str:
        """The text of 1-based ``line`` without its line ending ('' when out of range)."""
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1].rstrip("\r\n")
        return ""

    @property
    def line_count(self) -> int:
        return len(self.lines)

    def clamp(self, pos: Pos) -> Pos:
        line = min(max(pos.line, 1), len(self.lines))
        return Pos(line, min(max(pos.col, 0), len(self.line_text(line))))

    # -- offsets -----------------------------------------------------------------------------
    def offset(self, pos: Pos) -> int:
        """Code-point offset of ``pos`` in the whole text (clamped into the document)."""
        pos = self.clamp(pos)
        return self._starts[pos.line - 1] + pos.col

    def pos_at(self, offset: int) -> Pos:
        offset = min(max(offset, 0), len(self.text))
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return Pos(lo + 1, offset - self._starts[lo])

    def slice(self, span: Span) -> str:
        return self.text[self.offset(span.start) : self.offset(span.end)]

    # -- column units ------------------------------------------------------------------------
    def col_from_utf8(self, line: int, byte_col: int) -> int:
        """Code-point column of the UTF-8 byte column ``byte_col`` on ``line``."""
        return len(self.line_text(line).encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def col_to_utf16(self, line: int, col: int) -> int:
        return utf16_len(self.line_text(line)[:col])

    def col_from_utf16(self, line: int, units: int) -> int:
        text, count = self.line_text(line), 0
        for index, ch in enumerate(text):
            if count >= units:
                return index
            count += 2 if ord(ch) > 0xFFFF else 1
        return len(text)

    def col_to_utf8(self, line: int, col: int) -> int:
        return len(self.line_text(line)[:col].encode("utf-8"))

    def node_span(self, node: ast.AST) -> Span:
        """Code-point span of an ``ast`` node (whose columns are UTF-8 byte offsets)."""
        # Every node given here has a position (an expression, statement, argument, keyword...),
        # but ast.AST itself declares none.
        line: int = node.lineno  # type: ignore[attr-defined]  # a located node
        col: int = node.col_offset  # type: ignore[attr-defined]  # a located node
        end_line = getattr(node, "end_lineno", None) or line
        end_col = getattr(node, "end_col_offset", None)
        if end_col is None:
            end_col = col
        return Span(
            Pos(line, self.col_from_utf8(line, col)),
            Pos(end_line, self.col_from_utf8(end_line, end_col)),
        )
