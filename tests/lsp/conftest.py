"""pytest-lsp fixtures: the real server over stdio, driven as VS Code and as Neovim.

``ed`` (and ``editor``) run each test twice, once with each editor's recorded capabilities as shipped by
pytest-lsp: VS Code 1.65 (UTF-16 positions, push diagnostics) and Neovim 0.11 (UTF-8
positions preferred, pull diagnostics). The test rules of ``fake_rules.py`` are loaded into the
server with ``PT_LSP_EXTRA_RULES``.
"""

from __future__ import annotations

import pytest
import pytest_lsp
from lsp_editor import Editor
from lsp_session import CONFIG, start, with_notebooks
from pytest_lsp import LanguageClient, client_capabilities

PROFILES = ["visual-studio-code", "neovim"]


@pytest_lsp.fixture(config=CONFIG, params=PROFILES)
async def editor(lsp_client: LanguageClient, request, tmp_path):
    """An initialized server, as seen from the editor profile of ``request.param``."""
    lsp_client.editor = await start(lsp_client, tmp_path, with_notebooks(client_capabilities(request.param)))  # type: ignore[attr-defined]
    yield
    if lsp_client._server is not None and lsp_client._server.returncode is None:
        await lsp_client.shutdown_session()


@pytest.fixture
def ed(editor: LanguageClient) -> Editor:
    return editor.editor  # type: ignore[attr-defined]


@pytest_lsp.fixture(config=CONFIG)
async def bare_client(lsp_client: LanguageClient):
    """A started server that the test initializes itself (custom capabilities or options)."""
    yield
    if lsp_client._server is not None and lsp_client._server.returncode is None:
        await lsp_client.shutdown_session()
