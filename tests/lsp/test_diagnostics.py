"""Diagnostics as each editor receives them: content, positions, versions, push and pull."""

from __future__ import annotations

import pytest
from lsp_editor import Editor, find_range, units
from lsp_session import start
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

pytestmark = pytest.mark.asyncio

LEGACY = "import torch\nx = torch.ones(2)\nlegacy_api(x)\n"


async def test_open_reports_a_diagnostic_with_all_its_fields(ed: Editor):
    uri = ed.open(LEGACY)
    [diagnostic] = await ed.diagnostics(uri)
    assert diagnostic.code == "PTL901"
    assert diagnostic.source == "pt-lsp"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.message == "`legacy_api()` is deprecated"
    assert diagnostic.range == find_range(LEGACY, "legacy_api(x)", ed.encoding)
    # The fixes ride along, so that code actions need no second analysis.
    titles = [fix["title"] for fix in diagnostic.data["fixes"]]
    assert titles == ["Replace with `modern_api`", "Replace with `unchecked_api`"]
    supports_links = ed.client.capabilities.text_document.publish_diagnostics is not None and bool(
        ed.client.capabilities.text_document.publish_diagnostics.code_description_support
    )
    if supports_links:
        assert diagnostic.code_description.href.endswith("#ptl901")
    else:
        assert diagnostic.code_description is None


async def test_change_updates_and_close_clears(ed: Editor):
    uri = ed.open(LEGACY)
    assert len(await ed.diagnostics(uri)) == 1
    ed.replace(uri, "legacy_api(x)", "legacy_api(x)\nlegacy_api(x + 1)")
    diagnostics = await ed.diagnostics(uri)
    assert [d.range.start.line for d in diagnostics] == [2, 3]
    ed.replace(uri, "legacy_api(x)\nlegacy_api(x + 1)", "print(x)")
    assert await ed.diagnostics(uri) == []
    ed.replace(uri, "print(x)", "legacy_api(x)")
    assert len(await ed.diagnostics(uri)) == 1
    ed.close(uri)
    if not ed.pull:  # a push client is told to clear; a pull client drops them itself
        cleared = await ed.wait_cleared(uri)
        assert list(cleared.diagnostics) == []


async def test_whole_document_changes_are_accepted_too(ed: Editor):
    uri = ed.open(LEGACY)
    assert len(await ed.diagnostics(uri)) == 1
    ed.texts[uri] = "import torch\nlegacy_api(1)\nlegacy_api(2)\n"
    ed.versions[uri] += 1
    ed.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=ed.versions[uri]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=ed.texts[uri])],
        )
    )
    assert [d.range.start.line for d in await ed.diagnostics(uri)] == [1, 2]


@pytest.mark.parametrize("prefix", ["s = '😀🎉'; ", "变量 = '中文'; ", "s = '👩‍👩‍👧 家族'; "])
async def test_ranges_count_in_the_negotiated_encoding(ed: Editor, prefix: str):
    text = f"import torch\n{prefix}legacy_api(1)\n"
    uri = ed.open(text)
    [diagnostic] = await ed.diagnostics(uri)
    assert diagnostic.range == find_range(text, "legacy_api(1)", ed.encoding)
    assert diagnostic.range.start.character == units(prefix, ed.encoding)  # not len(prefix)


async def test_form_feeds_do_not_end_lines(ed: Editor):
    # str.splitlines() breaks at "\x0c" and U+2028; Python and editors do not.
    text = "import torch\n\x0c\ns = '\u2028 😀'; legacy_api(1)\n"
    uri = ed.open(text)
    [diagnostic] = await ed.diagnostics(uri)
    assert diagnostic.range == find_range(text, "legacy_api(1)", ed.encoding)
    ed.replace(uri, "\x0c\n", "\x0c\nlegacy_api(0)  # 中\n")  # an incremental change after a form feed
    diagnostics = await ed.diagnostics(uri)
    assert [d.range for d in diagnostics] == [
        find_range(ed.texts[uri], f"legacy_api({n})", ed.encoding) for n in (0, 1)
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
async def test_each_offered_encoding_is_honoured(bare_client: LanguageClient, tmp_path, encoding: str):
    caps = client_capabilities("neovim")
    caps.general.position_encodings = [encoding]
    ed = await start(bare_client, tmp_path, caps)
    assert ed.encoding == encoding
    text = "s = '😀 café 中' ; legacy_api(1)\n"
    [diagnostic] = await ed.diagnostics(ed.open(text))
    assert diagnostic.range.start.character == {"utf-16": 18, "utf-8": 23, "utf-32": 17}[encoding]


async def test_syntax_error_mid_typing_is_a_diagnostic_not_a_crash(ed: Editor):
    uri = ed.open(LEGACY)
    await ed.diagnostics(uri)
    ed.replace(uri, "legacy_api(x)", "legacy_api(x")
    [diagnostic] = await ed.diagnostics(uri)
    assert diagnostic.code == "PTL000" and "SyntaxError" in diagnostic.message
    assert await ed.code_actions(uri, [diagnostic], only=["quickfix"]) == []  # a noqa comment cannot silence it
    ed.replace(uri, "legacy_api(x", "legacy_api(x)")
    assert [d.code for d in await ed.diagnostics(uri)] == ["PTL901"]


async def test_related_information_points_at_the_earlier_place(ed: Editor):
    text = "t = make()\nconsume(t)\nprint(t)\nconsume(t)\n"
    uri = ed.open(text)
    [diagnostic] = await ed.diagnostics(uri)
    assert diagnostic.range == find_range(text, "consume(t)", ed.encoding, occurrence=1)
    [related] = diagnostic.related_information
    assert related.location.uri == uri
    assert related.location.range == find_range(text, "consume(t)", ed.encoding, occurrence=0)
    assert related.message == "first consumed here"


async def test_real_rule_ptl401_on_cuda_numpy(ed: Editor):
    text = 'import torch\nx = torch.randn(3, device="cuda")\ny = x.numpy()\n'
    uri = ed.open(text)
    diagnostics = await ed.diagnostics(uri)
    [diagnostic] = [d for d in diagnostics if d.code == "PTL401"]
    assert diagnostic.range.start.line == 2
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.data["fixes"], "PTL401 offers a fix"


async def test_a_50000_line_document(ed: Editor):
    body = "".join(f"v{i} = {i} * 2\n" for i in range(49_998))
    text = "import torch\n" + body + "legacy_api(v1)\n"
    uri = ed.open(text)
    [diagnostic] = await ed.diagnostics(uri)
    assert diagnostic.range.start.line == 49_999
    ed.replace(uri, "v17 = 17 * 2", "v17 = legacy_api(17)")  # an edit near the top
    assert [d.range.start.line for d in await ed.diagnostics(uri)] == [18, 49_999]


async def test_save_lints_at_once_whatever_the_debounce(bare_client: LanguageClient, tmp_path):
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"), {"debounce": 60_000})
    uri = ed.open(LEGACY)
    assert len(await ed.diagnostics(uri)) == 1  # open: at once
    ed.replace(uri, "legacy_api(x)", "print(x)")  # change: a minute of debounce
    bare_client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert await ed.diagnostics(uri) == []


async def test_pull_reports_unchanged_while_nothing_changed(bare_client: LanguageClient, tmp_path):
    ed = await start(bare_client, tmp_path, client_capabilities("neovim"))
    assert ed.pull
    uri = ed.open(LEGACY)
    first = await ed.pull_report(uri)
    assert first.kind == "full" and len(first.items) == 1 and first.result_id
    again = await ed.pull_report(uri, previous=first.result_id)
    assert again.kind == "unchanged" and again.result_id == first.result_id
    ed.replace(uri, "legacy_api(x)", "print(x)")
    after = await ed.pull_report(uri, previous=first.result_id)
    assert after.kind == "full" and list(after.items) == [] and after.result_id != first.result_id


async def test_pull_clients_get_no_pushed_diagnostics(bare_client: LanguageClient, tmp_path):
    ed = await start(bare_client, tmp_path, client_capabilities("neovim"))
    uri = ed.open(LEGACY)
    assert len((await ed.pull_report(uri)).items) == 1
    assert (await ed.debug_info()).pullDiagnostics is True
    assert ed.published.items == []  # pushing too would show every problem twice


async def test_rapid_changes_publish_only_the_newest_version(bare_client: LanguageClient, tmp_path):
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"), {"debounce": 1000})
    uri = ed.open("x = 0\n")
    await ed.wait_published(uri, 1)
    for n in range(1, 6):  # typed faster than the debounce
        ed.replace(uri, f"x = {n - 1}", f"x = {n}")
    ed.replace(uri, "x = 5", "legacy_api(5)")
    final = await ed.wait_published(uri, ed.versions[uri])
    assert [d.code for d in final.diagnostics] == ["PTL901"]
    assert [p.version for p in ed.published.items if p.uri == uri] == [1, 7]
