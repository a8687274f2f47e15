"""Positions: UTF-8 byte columns (ast), code points (core), UTF-16 units (editors)."""

import ast

import pytest

from pt_lsp.core.document import Document, Pos, Span, utf16_len
from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

EMOJI_LINE = 'x = "🔥é"; y = t.numpy()'


def test_columns_convert_between_all_three_units():
    doc = Document(EMOJI_LINE + "\n")
    # "🔥" is 4 UTF-8 bytes, 1 code point, 2 UTF-16 units; "é" is 2 bytes, 1 point, 1 unit.
    node = ast.parse(EMOJI_LINE).body[1]
    byte_col = node.col_offset
    assert byte_col == len('x = "🔥é"; '.encode())
    col = doc.col_from_utf8(1, byte_col)
    assert col == len('x = "🔥é"; ')
    assert doc.col_to_utf16(1, col) == col + 1
    assert doc.col_from_utf16(1, col + 1) == col
    assert doc.col_to_utf8(1, col) == byte_col


def test_node_span_uses_code_points():
    text = "# 中文注释 😀\nname = '日本' ; value = tensor.numpy()\n"
    doc = Document(text)
    call = ast.parse(text).body[1].value
    span = doc.node_span(call)
    assert doc.slice(span) == "tensor.numpy()"
    assert span.start == Pos(2, text.splitlines()[1].index("tensor"))


def test_offsets_round_trip_and_clamp():
    doc = Document("ab\r\ncd\nef")
    for offset in range(len(doc.text) + 1):
        pos = doc.pos_at(offset)
        if doc.text[offset - 1 : offset] != "\r":  # the middle of \r\n is not a position
            assert doc.offset(pos) == offset
    assert doc.line_text(2) == "cd"
    assert doc.line_text(99) == ""
    assert doc.clamp(Pos(99, 99)) == Pos(3, 2)
    assert doc.offset(Pos(1, 99)) == 2


def test_utf16_len_counts_astral_characters_twice():
    assert utf16_len("a😀b") == 4
    assert utf16_len("中文") == 2


@pytest.mark.parametrize("prefix", ["", 'z = "😀😀"; ', "s = '中文'; ", "e = 'é'; "])
def test_findings_after_non_ascii_text_point_at_the_call(prefix):
    source = f'import torch\nx = torch.ones(2, device="cuda")\n{prefix}y = x.numpy()\n'
    result = lint_source(source, selection=Selection.of(["PTL401"]))
    (finding,) = result.findings
    doc = Document(source)
    assert doc.slice(finding.span) == "x.numpy()"
    assert finding.span == Span(Pos(3, len(prefix) + 4), Pos(3, len(prefix) + 13))
