"""The server's pure parts, in-process: position conversions, minimal edits, settings parsing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types

from pt_lsp.core.config import ProjectConfig
from pt_lsp.core.document import Document, Pos
from pt_lsp.core.findings import Severity
from pt_lsp.lsp.actions import wanted
from pt_lsp.lsp.edits import replacement_edit
from pt_lsp.lsp.positions import from_position, to_position
from pt_lsp.lsp.settings import Settings, SettingsLayers, editor_settings

ENCODINGS = ["utf-16", "utf-8", "utf-32"]
# ASCII, Latin-1, CJK, emoji (astral: two UTF-16 units, four UTF-8 bytes), a ZWJ sequence
CHARS = st.sampled_from(list("ab =(x)") + ["é", "中", "文", "😀", "👩‍👩‍👧", "\t"])
LINE = st.lists(CHARS, max_size=12).map("".join)
TEXT = st.lists(LINE, min_size=1, max_size=6).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n"]).map(lambda eol: eol.join(lines))
)


def units(text: str, encoding: str) -> int:
    return {"utf-8": len(text.encode()), "utf-16": len(text.encode("utf-16-le")) // 2, "utf-32": len(text)}[encoding]


def offset(text: str, position: types.Position, encoding: str) -> int:
    """Independent of the server: LSP lines end at "\n" (with an optional "\r" before it)."""
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line].removesuffix("\r")
    index = next(i for i in range(len(line) + 1) if i == len(line) or units(line[:i], encoding) >= position.character)
    return start + index


@settings(max_examples=200, deadline=None)
@given(line=LINE, encoding=st.sampled_from(ENCODINGS))
def test_columns_round_trip_in_every_encoding(line: str, encoding: str):
    doc = Document(f"x = 1\n{line}\n")
    for col in range(len(line) + 1):
        position = to_position(doc, Pos(2, col), encoding)
        assert position == types.Position(line=1, character=units(line[:col], encoding))
        assert from_position(doc, position, encoding) == Pos(2, col)


def test_out_of_range_positions_are_clamped():
    doc = Document("ab\n😀x\n")
    assert from_position(doc, types.Position(line=99, character=5), "utf-16") == Pos(3, 0)
    assert from_position(doc, types.Position(line=1, character=99), "utf-16") == Pos(2, 2)
    assert from_position(doc, types.Position(line=1, character=1), "utf-16") == Pos(2, 1)  # mid-surrogate
    assert to_position(doc, Pos(9, 9), "utf-8") == types.Position(line=2, character=0)


@settings(max_examples=300, deadline=None)
@given(old=TEXT, new=TEXT, encoding=st.sampled_from(ENCODINGS))
def test_replacement_edit_turns_old_into_new(old: str, new: str, encoding: str):
    edit = replacement_edit(old, new, encoding)
    if old == new:
        assert edit is None
        return
    start, end = offset(old, edit.range.start, encoding), offset(old, edit.range.end, encoding)
    assert old[:start] + edit.new_text + old[end:] == new
    assert edit.range.start.character == 0  # whole lines: no "\r\n" is ever split


def test_replacement_edit_is_limited_to_the_changed_lines():
    old = "a = 1\nb = legacy(2)\nc = 3\n"
    edit = replacement_edit(old, old.replace("legacy", "modern"), "utf-16")
    assert (edit.range.start.line, edit.range.end.line, edit.new_text) == (1, 2, "b = modern(2)\n")


def test_code_action_kinds_are_hierarchical():
    assert wanted(None, "source.fixAll.pt-lsp")
    assert wanted(["source"], "source.fixAll.pt-lsp")
    assert wanted(["source.fixAll"], "source.fixAll.pt-lsp")
    assert not wanted(["source.fixAll.ruff"], "source.fixAll.pt-lsp")
    assert not wanted(["quickfix"], "source.fixAll.pt-lsp")
    assert not wanted(["source.fix"], "source.fixAll.pt-lsp")


def test_editor_settings_accept_the_section_or_its_content():
    warnings: list[str] = []
    raw = {
        "select": ["ptl4"],
        "ignore": "PTL401",
        "severity": {"PTL4": "hint"},
        "fixAll": False,
        "unsafeFixes": True,
        "debounce": 0,
        "somethingNew": 1,
    }
    values = editor_settings({"pt-lsp": raw}, warnings.append)
    assert values == {
        "select": ("PTL4",),
        "ignore": ("PTL401",),
        "severity": (("PTL4", Severity.HINT),),
        "fix_all": False,
        "unsafe_fixes": True,
        "debounce_ms": 0,
    }
    assert editor_settings(raw, warnings.append) == values
    assert warnings == []


def test_bad_setting_values_warn_and_keep_the_rest():
    warnings: list[str] = []
    values = editor_settings({"select": 3, "debounce": -5, "fixAll": "yes", "ignore": ["PTL1"]}, warnings.append)
    assert values == {"ignore": ("PTL1",)}
    assert len(warnings) == 3
    assert editor_settings(["not", "an", "object"], warnings.append) == {}


def test_layers_override_key_by_key():
    layers = SettingsLayers(init={"debounce_ms": 20, "ignore": ("PTL1",)}, editor={"ignore": ()})
    merged = layers.merged()
    assert merged.ignore == () and merged.select is None and merged.debounce_ms == 20


def test_editor_select_and_ignore_override_the_project_where_set(tmp_path):
    project = ProjectConfig(
        str(tmp_path), select=("PTL4",), ignore=("PTL402",), per_file_ignores=(("tests/*.py", ("PTL401",)),)
    )
    test_file, src_file = str(tmp_path / "tests" / "test_a.py"), str(tmp_path / "src" / "a.py")
    unset = Settings()
    assert unset.selection(project, src_file).enabled("PTL401")
    assert not unset.selection(project, src_file).enabled("PTL402")
    assert not unset.selection(project, src_file).enabled("PTL201")
    assert not unset.selection(project, test_file).enabled("PTL401")  # per-file-ignores
    editor = Settings(select=("PTL",), ignore=())
    assert editor.selection(project, src_file).enabled("PTL201")
    assert editor.selection(project, src_file).enabled("PTL402")
    assert not editor.selection(project, test_file).enabled("PTL401")  # still the file's own


def test_the_project_target_torch_reaches_the_server_selection(tmp_path):
    project = ProjectConfig(str(tmp_path), target_torch=(2, 1))
    path = str(tmp_path / "a.py")
    assert Settings().selection(project, path).target_torch == (2, 1)
    assert Settings(select=("PTL4",)).selection(project, path).target_torch == (2, 1)
    assert Settings().selection(ProjectConfig(str(tmp_path)), path).target_torch is None


def test_severity_override_longest_prefix_wins():
    chosen = Settings(severity=(("PTL", Severity.HINT), ("PTL4", Severity.WARNING)))
    assert chosen.severity_of("PTL401", Severity.ERROR) == Severity.WARNING
    assert chosen.severity_of("PTL201", Severity.ERROR) == Severity.HINT
    assert Settings().severity_of("PTL201", Severity.ERROR) == Severity.ERROR


def test_the_server_package_does_not_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, pt_lsp.lsp.server, pt_lsp.lsp.command; from pt_lsp.core.rule import all_rules; "
        "all_rules(); print('torch' in sys.modules, 'pygls' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.split() == ["False", "True"]
