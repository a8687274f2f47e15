"""Starting the server under test: its command and environment, the test client, initialize.

Kept out of ``conftest.py`` so that tests can import it by a name no other test directory uses.
"""

from __future__ import annotations

import os
import pathlib
import sys

from lsp_editor import Editor, Recorder
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

HERE = pathlib.Path(__file__).parent
SERVER_COMMAND = [sys.executable, "-m", "pt_lsp.lsp", "--stdio"]


def server_env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "PT_LSP_EXTRA_RULES": "fake_rules"}


def make_client() -> LanguageClient:
    """pytest-lsp's client, plus recorders for diagnostics and log messages to wait on, and
    dynamic registrations (pytest-lsp's client does not answer ``client/registerCapability``)."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = Recorder()  # type: ignore[attr-defined]
    client.logs = Recorder()  # type: ignore[attr-defined]
    default_publish = DEFAULT_CLIENT_FEATURES[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]
    default_log = DEFAULT_CLIENT_FEATURES[types.WINDOW_LOG_MESSAGE]

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        default_publish(client, params)
        client.published.add(params)

    def log(client: LanguageClient, params: types.LogMessageParams) -> None:
        default_log(client, params)
        client.logs.add(params)

    def register(client: LanguageClient, params: types.RegistrationParams) -> None:
        for registration in params.registrations:
            client.registrations.add(registration)

    def refresh(client: LanguageClient, params: None) -> None:
        client.diagnostic_refresh_count += 1
        client.refreshes.add(params)

    client.registrations = Recorder()  # type: ignore[attr-defined]
    client.refreshes = Recorder()  # type: ignore[attr-defined]
    features = {
        **DEFAULT_CLIENT_FEATURES,
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
        types.WINDOW_LOG_MESSAGE: log,
        types.CLIENT_REGISTER_CAPABILITY: register,
        types.WORKSPACE_DIAGNOSTIC_REFRESH: refresh,
    }
    register_lsp_features(client, features)
    return client


CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env(), client_factory=make_client)


def with_notebooks(caps: types.ClientCapabilities) -> types.ClientCapabilities:
    """The recorded profiles predate notebook sync; editors that have it declare this."""
    caps.notebook_document = types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities(dynamic_registration=False)
    )
    return caps


async def start(client: LanguageClient, root: pathlib.Path, caps: types.ClientCapabilities, options=None) -> Editor:
    params = types.InitializeParams(
        capabilities=caps,
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options=options,
    )
    result = await client.initialize_session(params)
    return Editor(client, root, result)
