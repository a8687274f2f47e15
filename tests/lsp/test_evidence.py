"""Evidence paths in the editor: a finding's related steps as ``relatedInformation`` (pushed and
pulled, in path order) where the client shows them, and listed on hover after the rule's
documentation. The example is PTL201's: one loss backwarded twice without ``retain_graph``."""

from __future__ import annotations

import dataclasses
import pathlib

import pytest
from lsp_editor import Editor, open_notebook
from lsp_session import start
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from pt_lsp.core.document import Document, Pos, Span
from pt_lsp.core.engine import lint_source
from pt_lsp.core.findings import Finding, Related
from pt_lsp.core.selection import Selection
from pt_lsp.lsp.client import ClientFeatures
from pt_lsp.lsp.diagnostics import SingleDocument, evidence, to_diagnostic
from pt_lsp.lsp.settings import Settings

TWICE = "import torch\nw = torch.ones(2, requires_grad=True)\nloss = (w * 2).sum()\nloss.backward()\nloss.backward()\n"


def core_finding(text: str = TWICE, code: str = "PTL201") -> Finding:
    """The finding as the core reports it (what the server must show, step by step)."""
    [finding] = [f for f in lint_source(text, "example.py", Selection.of(None, None)).findings if f.code == code]
    return finding


async def ptl201(ed: Editor) -> tuple[str, types.Diagnostic]:
    uri = ed.open(TWICE)
    [diagnostic] = [d for d in await ed.diagnostics(uri) if d.code == "PTL201"]
    return uri, diagnostic


def test_the_example_has_an_evidence_path():
    steps = core_finding().related
    assert steps and any(step.span.start.line == 4 for step in steps)  # the earlier backward()


@pytest.mark.asyncio
async def test_related_information_follows_the_evidence_path(ed: Editor):
    # Both profiles declare publishDiagnostics.relatedInformation: VS Code gets it pushed,
    # Neovim pulled.
    uri, diagnostic = await ptl201(ed)
    steps = core_finding().related
    related = diagnostic.related_information
    assert related is not None
    assert [r.message for r in related] == [step.message for step in steps]  # every step, in order
    assert [r.location.uri for r in related] == [uri] * len(steps)
    assert [r.location.range.start.line for r in related] == [step.span.start.line - 1 for step in steps]
    assert [r.location.range.start.character for r in related] == [step.span.start.col for step in steps]  # ASCII


@pytest.mark.asyncio
@pytest.mark.parametrize("profile", ["visual-studio-code", "neovim"])
async def test_without_the_capability_the_message_stands_alone(bare_client: LanguageClient, tmp_path, profile):
    caps = client_capabilities(profile)
    assert caps.text_document is not None and caps.text_document.publish_diagnostics is not None
    caps.text_document.publish_diagnostics.related_information = False
    ed = await start(bare_client, tmp_path, caps)
    _, diagnostic = await ptl201(ed)
    assert diagnostic.related_information is None
    assert diagnostic.message == core_finding().message
    assert "line 4" in diagnostic.message  # where the graph was freed, said in the message itself


@pytest.mark.asyncio
async def test_pulled_diagnostics_follow_the_pull_capability(bare_client: LanguageClient, tmp_path):
    caps = client_capabilities("neovim")
    assert caps.text_document is not None and caps.text_document.publish_diagnostics is not None
    caps.text_document.publish_diagnostics = None
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(related_information=True)
    ed = await start(bare_client, tmp_path, caps)
    _, diagnostic = await ptl201(ed)
    assert diagnostic.related_information is not None
    assert len(diagnostic.related_information) == len(core_finding().related)


async def hover_at(ed: Editor, uri: str, position: types.Position) -> str:
    params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    hover = await ed.client.text_document_hover_async(params)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


@pytest.mark.asyncio
async def test_hover_lists_the_evidence_after_the_documentation(ed: Editor):
    uri, diagnostic = await ptl201(ed)
    text = await hover_at(ed, uri, diagnostic.range.start)
    documentation, evidence_part = text.split("Evidence:")
    assert "## What it does" in documentation and "PTL201 documentation" in documentation
    lines = [line for line in evidence_part.splitlines() if line.strip()]
    expected = [f"line {step.span.start.line}: {step.message}" for step in core_finding().related]
    assert len(lines) == len(expected)
    for line, step in zip(lines, expected):
        assert line.endswith(step)  # one numbered line a step, in path order


@pytest.mark.asyncio
async def test_hover_in_a_notebook_names_the_cell_of_each_step(editor: LanguageClient, tmp_path):
    ed: Editor = editor.editor  # type: ignore[attr-defined]
    cells = [(types.NotebookCellKind.Code, "t = make()\nconsume(t)\n"), (types.NotebookCellKind.Code, "consume(t)\n")]
    _, uris = open_notebook(ed, cells)
    [diagnostic] = await ed.diagnostics(uris[1])
    text = await hover_at(ed, uris[1], diagnostic.range.start)
    assert text.rstrip().endswith("1. cell 1, line 2: first consumed here")


# -- in-process: steps whatever their shape ---------------------------------------------------
@dataclasses.dataclass(frozen=True)
class FileStep(Related):
    """A step as an extended core might give it: with its own file (and other fields)."""

    path: str | None = None
    kind: str = "flow"


def test_steps_in_other_files_point_there(tmp_path: pathlib.Path):
    here, other = tmp_path / "train.py", tmp_path / "model.py"
    other.write_text("x = '😀'; y = x\n", encoding="utf-8")
    text = "import model\nloss()\n"
    steps = (
        FileStep(Span(Pos(1, 0), Pos(1, 12)), "imported here", path=str(here)),  # the linted file itself
        FileStep(Span(Pos(1, 10), Pos(1, 15)), "defined here", path="model.py"),  # relative to the linted file
        FileStep(Span(Pos(3, 0), Pos(3, 1)), "gone", path=str(tmp_path / "missing.py")),  # unreadable
    )
    finding = Finding("PTL201", "backward-through-freed-graph", "message", Span(Pos(2, 0), Pos(2, 6)), related=steps)
    locator = SingleDocument(here.as_uri(), 1, Document(text))
    place = locator.place(finding.span)
    placed = evidence(finding, place, locator, str(here), "utf-16")
    assert [step.where for step in placed] == ["line 1", "model.py, line 1", "missing.py, line 3"]
    assert [step.location.uri for step in placed] == [here.as_uri(), other.as_uri(), (tmp_path / "missing.py").as_uri()]
    assert placed[1].location.range.start == types.Position(line=0, character=11)  # UTF-16: the emoji is two
    client = ClientFeatures(related_information=True)
    diagnostic = to_diagnostic(finding, place, locator, Settings(), client, placed)
    assert [r.message for r in diagnostic.related_information or []] == ["imported here", "defined here", "gone"]
    assert to_diagnostic(finding, place, locator, Settings(), ClientFeatures(), placed).related_information is None
