"""Reading and writing source files: round trips keep every byte (hypothesis), edits keep the
newline style of the lines they do not touch."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from pt_lsp.core.filefix import NotebookFile, SourceFile

line_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\r\n\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    max_size=20,
)
ending = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def source_bytes(draw):
    lines = draw(st.lists(st.tuples(line_text, ending), max_size=12))
    last = draw(line_text)
    text = "".join(line + end for line, end in lines) + last
    bom = draw(st.booleans())
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


@given(source_bytes())
def test_unchanged_text_round_trips_byte_for_byte(data):
    source = SourceFile.decode(data)
    assert "\r" not in source.text
    assert source.encode(source.text) == data


@given(source_bytes(), st.data())
def test_an_edited_line_leaves_the_others_alone(data, draw):
    source = SourceFile.decode(data)
    lines = source.text.split("\n")
    real_lines = len(source.original.splitlines())  # not the empty one after a final newline
    assume(real_lines > 0)
    index = draw.draw(st.integers(0, real_lines - 1))
    lines[index] = lines[index] + "  # edited"
    new = SourceFile.decode(source.encode("\n".join(lines)))
    assert new.text.split("\n") == lines
    old_endings = source.original.splitlines(keepends=True)
    new_endings = new.original.splitlines(keepends=True)
    assert len(old_endings) == len(new_endings)
    for number, (before, after) in enumerate(zip(old_endings, new_endings)):
        if number != index:
            assert before == after


def test_latin1_round_trip_and_unencodable_fix():
    data = b"# coding: latin-1\nx = '\xe9'\n"
    source = SourceFile.decode(data)
    assert source.text == "# coding: latin-1\nx = '\u00e9'\n"
    assert source.encode(source.text) == data
    try:
        source.encode(source.text + "y = '\u4e2d'\n")
    except UnicodeEncodeError:
        pass
    else:
        raise AssertionError("a character latin-1 cannot hold must not be written silently")


def test_notebook_layout_is_kept_when_nothing_changes():
    raw = (
        '{\n "cells": [\n  {\n   "cell_type": "code",\n   "metadata": {},\n   "outputs": [],\n'
        '   "source": [\n    "x = 1\\n",\n    "y = \u00e9"\n   ]\n  }\n ],\n "metadata": {},\n'
        ' "nbformat": 4,\n "nbformat_minor": 5\n}\n'
    )
    notebook = NotebookFile.decode(raw.encode())
    assert notebook.code_cells() == [(0, "x = 1\ny = \u00e9")]
    assert notebook.with_sources({}).decode() == raw
    changed = notebook.with_sources({0: "x = 2\ny = \u00e9"}).decode()
    assert changed == raw.replace("x = 1", "x = 2")


def test_notebook_with_string_sources_and_compact_layout():
    raw = (
        '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": "a = 1\\nb = 2"}], '
        '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    )
    notebook = NotebookFile.decode(raw.encode())
    assert notebook.with_sources({}).decode() == raw
    assert notebook.with_sources({0: "a = 3\nb = 2"}).decode() == raw.replace("a = 1", "a = 3")
