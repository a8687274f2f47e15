"""A saved project file re-lints the open files whose analysis read it.

``train.py`` imports ``Net`` from ``models.py``; whether its LSTM state is carried across
iterations (PTL201) depends on what ``Net.forward`` returns. Saving ``models.py`` with the state
detached must clear ``train.py``'s diagnostic without any edit of ``train.py`` (pull clients:
the next pull answers afresh; push clients: a new notification). Under torch the first program
raises "Trying to backward through the graph a second time"; the detached one runs.
"""

from __future__ import annotations

import pytest
from lsp_editor import Editor
from lsprotocol import types

from tests.flow.test_project_imports import MODELS  # Net: an LSTM and the state it returns

pytestmark = pytest.mark.asyncio

TRAIN = """\
import torch
from models import Net

model = Net()
hidden = (torch.zeros(1, 3, 20), torch.zeros(1, 3, 20))
for step in range(3):
    out, hidden = model(torch.randn(5, 3, 10), hidden)
    out.sum().backward()
"""

CARRIED = "return self.out(y), hidden"
DETACHED = "return self.out(y), tuple(h.detach() for h in hidden)"


def _save(ed: Editor, uri: str) -> None:
    ed.client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


def _codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return [str(d.code) for d in diagnostics]


async def _train_diagnostics(ed: Editor, uri: str, after: int) -> list[types.Diagnostic]:
    if ed.pull:
        return list((await ed.pull_report(uri)).items)
    return list((await ed.published.wait_for(lambda p: p.uri == uri, after)).diagnostics)


async def test_saving_an_imported_file_relints_its_importer(ed: Editor):
    (ed.root / "models.py").write_text(MODELS)
    (ed.root / "train.py").write_text(TRAIN)
    train = ed.open(TRAIN, "train.py")
    assert _codes(await ed.diagnostics(train)) == ["PTL201"]
    models = ed.open(MODELS, "models.py")
    assert await ed.diagnostics(models) == []

    seen = len(ed.published.items)
    ed.replace(models, CARRIED, DETACHED)
    (ed.root / "models.py").write_text(MODELS.replace(CARRIED, DETACHED))
    _save(ed, models)
    assert await _train_diagnostics(ed, train, seen) == []

    # and back: the importer follows every save, not only the first
    seen = len(ed.published.items)
    ed.replace(models, DETACHED, CARRIED)
    (ed.root / "models.py").write_text(MODELS)
    _save(ed, models)
    assert _codes(await _train_diagnostics(ed, train, seen)) == ["PTL201"]


async def test_saving_an_unrelated_file_leaves_the_others_alone(ed: Editor):
    (ed.root / "train.py").write_text(TRAIN.replace("from models import Net", "from torch.nn import LSTM as Net"))
    (ed.root / "notes.py").write_text("x = 1\n")
    train = ed.open((ed.root / "train.py").read_text(), "train.py")
    first = await ed.diagnostics(train)
    notes = ed.open("x = 1\n", "notes.py")
    await ed.diagnostics(notes)
    before = await ed.pull_report(train) if ed.pull else None
    seen = len(ed.published.items)
    _save(ed, notes)
    if before is not None:
        again = await ed.pull_report(train, previous=before.result_id)
        assert again.kind == "unchanged"  # not analysed again: nothing it read was saved
    else:
        await ed.diagnostics(notes, after=seen)  # the saved file itself is linted again
        assert not [p for p in ed.published.items[seen:] if p.uri == train]
    assert first == await ed.diagnostics(train)
