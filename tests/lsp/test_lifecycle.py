"""Initialize, capabilities, the torch boundary, shutdown/exit and protocol-level robustness."""

from __future__ import annotations

import asyncio

import pytest
from lsp_editor import Editor
from lsp_session import start
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

pytestmark = pytest.mark.asyncio


async def test_capabilities_follow_the_client(ed: Editor):
    caps = ed.result.capabilities
    assert ed.result.server_info.name == "pt-lsp"
    assert caps.text_document_sync.change == types.TextDocumentSyncKind.Incremental
    assert caps.text_document_sync.open_close and caps.text_document_sync.save
    assert caps.hover_provider
    assert set(caps.code_action_provider.code_action_kinds) == {"quickfix", "source.fixAll.pt-lsp"}
    assert caps.code_action_provider.resolve_provider is True
    assert caps.diagnostic_provider.identifier == "pt-lsp"
    assert caps.notebook_document_sync.notebook_selector[0].cells[0].language == "python"
    # Neovim 0.11 offers UTF-8 first; VS Code 1.65 offers nothing, so UTF-16.
    offered = ed.client.capabilities.general.position_encodings if ed.client.capabilities.general else None
    assert ed.encoding == (offered[0] if offered else "utf-16")


async def test_the_running_server_has_not_imported_torch(ed: Editor):
    uri = ed.open("import torch\nx = torch.randn(3, device='cuda')\ny = x.numpy()\n")
    await ed.diagnostics(uri)  # the rules have run over torch code
    info = await ed.debug_info()
    assert info.torchImported is False
    assert "PTL901" in info.rules  # the test rules were loaded: this really is our server


async def test_unknown_request_is_answered_with_method_not_found(ed: Editor):
    with pytest.raises(JsonRpcException) as raised:
        await ed.client.protocol.send_request_async("pt-lsp/noSuchMethod", {})
    assert raised.value.code == -32601
    assert (await ed.debug_info()).pid > 0  # still serving


async def test_malformed_params_get_invalid_params_and_the_server_stays_up(ed: Editor):
    # A hover without a position: the client library cannot even build this, so send raw JSON.
    future = ed.client.protocol._request_futures["bad-1"] = asyncio.get_running_loop().create_future()
    ed.client.protocol._send_data(
        {"jsonrpc": "2.0", "id": "bad-1", "method": "textDocument/hover", "params": {"textDocument": {"uri": ed.uri()}}}
    )
    with pytest.raises(JsonRpcException) as raised:
        await asyncio.wait_for(future, 10)
    assert raised.value.code == -32602
    # notifications have no answer: bad or unknown ones are logged and dropped
    ed.client.protocol._send_data({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"oops": 1}})
    ed.client.protocol.notify("pt-lsp/noSuchNotification", {"x": 1})
    ed.client.text_document_did_change(
        types.DidChangeTextDocumentParams(  # a document never opened
            text_document=types.VersionedTextDocumentIdentifier(uri=ed.uri("never-opened.py"), version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="x = 1\n")],
        )
    )
    uri = ed.open("legacy_api(1)\n")
    assert [d.code for d in await ed.diagnostics(uri)] == ["PTL901"]


async def test_out_of_range_positions_are_clamped_not_fatal(ed: Editor):
    uri = ed.open("legacy_api(1)\n")
    await ed.diagnostics(uri)
    far = types.Position(line=500, character=900)
    hover = await ed.client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=far)
    )
    assert hover is None
    actions = await ed.code_actions(uri, [], range_=types.Range(start=far, end=far), only=["quickfix"])
    assert actions == []
    assert [d.code for d in await ed.diagnostics(uri)] == ["PTL901"]


async def test_shutdown_then_exit_ends_with_code_0(bare_client: LanguageClient, tmp_path):
    await start(bare_client, tmp_path, client_capabilities("visual-studio-code"))
    await bare_client.shutdown_session()
    assert bare_client._server.returncode == 0


async def test_exit_without_shutdown_ends_with_code_1(bare_client: LanguageClient, tmp_path):
    await start(bare_client, tmp_path, client_capabilities("visual-studio-code"))
    bare_client.exit(None)
    assert await asyncio.wait_for(bare_client._server.wait(), 10) == 1


async def test_requests_after_shutdown_are_refused(bare_client: LanguageClient, tmp_path):
    editor = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"))
    await bare_client.shutdown_async(None)
    with pytest.raises(JsonRpcException) as raised:
        await asyncio.wait_for(editor.debug_info(), 10)
    assert raised.value.code == -32600
    bare_client.exit(None)
    assert await asyncio.wait_for(bare_client._server.wait(), 10) == 0
