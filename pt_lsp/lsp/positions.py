"""Core positions (1-based lines, code-point columns) <-> LSP positions in the negotiated encoding.

This is the server's only place that knows about UTF-16/UTF-8/UTF-32 columns: every range that
goes out and every position that comes in passes through here, once.
"""

from __future__ import annotations

from lsprotocol import types

from pt_lsp.core.document import Document, Pos, Span

UTF8 = types.PositionEncodingKind.Utf8.value
UTF32 = types.PositionEncodingKind.Utf32.value


def encoding_name(encoding: object) -> str:
    """The name of a position encoding given as a string, a ``PositionEncodingKind`` or None
    (UTF-16, LSP's default)."""
    value = getattr(encoding, "value", encoding)
    return value if isinstance(value, str) and value else types.PositionEncodingKind.Utf16.value


def to_position(doc: Document, pos: Pos, encoding: object) -> types.Position:
    pos = doc.clamp(pos)
    name = encoding_name(encoding)
    if name == UTF8:
        character = doc.col_to_utf8(pos.line, pos.col)
    elif name == UTF32:
        character = pos.col
    else:
        character = doc.col_to_utf16(pos.line, pos.col)
    return types.Position(line=pos.line - 1, character=character)


def to_range(doc: Document, span: Span, encoding: object) -> types.Range:
    return types.Range(start=to_position(doc, span.start, encoding), end=to_position(doc, span.end, encoding))


def from_position(doc: Document, position: types.Position, encoding: object) -> Pos:
    """The core position of a client position; out-of-range lines and columns are clamped."""
    line = max(position.line, 0) + 1
    if line > doc.line_count:
        last = doc.line_count
        return Pos(last, len(doc.line_text(last)))
    units = max(position.character, 0)
    name = encoding_name(encoding)
    if name == UTF8:
        col = doc.col_from_utf8(line, units)
    elif name == UTF32:
        col = min(units, len(doc.line_text(line)))
    else:
        col = doc.col_from_utf16(line, units)
    return Pos(line, col)


def from_range(doc: Document, range_: types.Range, encoding: object) -> Span:
    return Span(from_position(doc, range_.start, encoding), from_position(doc, range_.end, encoding))


def range_json(range_: types.Range) -> dict:
    """A range as plain JSON, for ``Diagnostic.data`` (which the client hands back untyped)."""
    return {
        "start": {"line": range_.start.line, "character": range_.start.character},
        "end": {"line": range_.end.line, "character": range_.end.character},
    }


def range_from_json(value: dict) -> types.Range:
    start, end = value["start"], value["end"]
    return types.Range(
        start=types.Position(line=int(start["line"]), character=int(start["character"])),
        end=types.Position(line=int(end["line"]), character=int(end["character"])),
    )
