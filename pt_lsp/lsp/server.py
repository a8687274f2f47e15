"""The table of LSP methods the server answers, and the server built from it.

Every handler is a short function in the module of its concern, taking the server's state
(``state.PtLanguageServer``); this file only wires them up, and no feature module imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsprotocol import types

from . import actions, commands, configuration, debug, hover, pull, sync
from .state import PtLanguageServer

__all__ = ["FEATURES", "PtLanguageServer", "create_server"]

FEATURES: list[tuple[str, Callable[..., Any], Any]] = [
    (types.INITIALIZE, configuration.initialize, None),
    (types.INITIALIZED, configuration.initialized, None),
    (types.SHUTDOWN, configuration.shutdown, None),
    (types.WORKSPACE_DID_CHANGE_CONFIGURATION, configuration.did_change_configuration, None),
    (types.WORKSPACE_DID_CHANGE_WATCHED_FILES, configuration.did_change_watched_files, None),
    (types.TEXT_DOCUMENT_DID_OPEN, sync.did_open, None),
    (types.TEXT_DOCUMENT_DID_CHANGE, sync.did_change, None),
    (types.TEXT_DOCUMENT_DID_SAVE, sync.did_save, types.SaveOptions(include_text=False)),
    (types.TEXT_DOCUMENT_DID_CLOSE, sync.did_close, None),
    (types.NOTEBOOK_DOCUMENT_DID_OPEN, sync.did_open_notebook, None),
    (types.NOTEBOOK_DOCUMENT_DID_CHANGE, sync.did_change_notebook, None),
    (types.NOTEBOOK_DOCUMENT_DID_SAVE, sync.did_save_notebook, None),
    (types.NOTEBOOK_DOCUMENT_DID_CLOSE, sync.did_close_notebook, None),
    (types.TEXT_DOCUMENT_DIAGNOSTIC, pull.document_diagnostic, pull.OPTIONS),
    (
        types.TEXT_DOCUMENT_CODE_ACTION,
        actions.code_action,
        types.CodeActionOptions(code_action_kinds=actions.KINDS, resolve_provider=True),
    ),
    (types.CODE_ACTION_RESOLVE, actions.resolve_code_action, None),
    (types.TEXT_DOCUMENT_HOVER, hover.hover, None),
    (debug.DEBUG_INFO, debug.debug_info, None),
]


def create_server() -> PtLanguageServer:
    server = PtLanguageServer(notebook_document_sync=sync.NOTEBOOK_SYNC)
    for method, handler, options in FEATURES:
        server.feature(method, options)(handler)
    for name, command in commands.COMMANDS.items():  # workspace/executeCommand
        server.command(name)(command)
    return server
