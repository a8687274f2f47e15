"""A crashing rule, a slow request cancelled, a client that disappears."""

from __future__ import annotations

import asyncio

import pytest
from lsp_editor import Editor
from lsp_session import start
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

pytestmark = pytest.mark.asyncio

REQUEST_CANCELLED = -32800


async def test_a_crashing_rule_is_logged_and_the_others_still_report(ed: Editor):
    uri = ed.open("crash_here = 1\nlegacy_api(crash_here)\n")
    assert [d.code for d in await ed.diagnostics(uri)] == ["PTL901"]
    crash = await ed.logs.wait_for(lambda m: "PTL990 crashed" in m.message)
    assert crash.type == types.MessageType.Error
    assert "RuntimeError: deliberate test crash" in crash.message
    # the same crash on the next keystroke is not logged again
    ed.replace(uri, "legacy_api(crash_here)", "legacy_api(crash_here + 1)")
    assert [d.code for d in await ed.diagnostics(uri)] == ["PTL901"]
    assert sum("PTL990 crashed" in m.message for m in ed.logs.items) == 1


async def test_a_slow_request_can_be_cancelled(bare_client: LanguageClient, tmp_path):
    ed = await start(bare_client, tmp_path, client_capabilities("neovim"))  # pull: a request to cancel
    uri = ed.open("slow_here = 1\nlegacy_api(1)\n")
    params = types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    request = bare_client.protocol.send_request(types.TEXT_DOCUMENT_DIAGNOSTIC, params, msg_id="slow-1")
    bare_client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="slow-1"))
    with pytest.raises(JsonRpcException) as raised:
        await asyncio.wait_for(asyncio.wrap_future(request), 10)
    assert raised.value.code == REQUEST_CANCELLED
    # the server is still there and answers the next request
    ed.replace(uri, "slow_here = 1", "fast = 1")
    assert [d.code for d in await ed.diagnostics(uri)] == ["PTL901"]


async def test_handlers_survive_garbage_in_diagnostic_data(ed: Editor):
    uri = ed.open("legacy_api(1)\n")
    [diagnostic] = await ed.diagnostics(uri)
    diagnostic.data = {
        "version": diagnostic.data["version"],
        "fixes": [{"title": "broken", "edits": [{"range": "nonsense"}]}],
    }
    actions = await ed.code_actions(uri, [diagnostic])
    assert actions == []  # logged, answered; no half-built action
    assert any("internal error in code_action" in m.message for m in ed.logs.items)
    assert [d.code for d in await ed.diagnostics(uri)] == ["PTL901"]


async def test_server_exits_when_the_client_disappears(bare_client: LanguageClient, tmp_path):
    await start(bare_client, tmp_path, client_capabilities("visual-studio-code"))
    server = bare_client._server
    server.stdin.close()  # the editor crashed: no shutdown, no exit
    assert await asyncio.wait_for(server.wait(), 10) == 1
