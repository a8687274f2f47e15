"""The language server: its state and the table of LSP methods it answers.

Every handler is a short function in the module of its concern; this file only wires them up.
"""

from __future__ import annotations

import logging
import traceback

from lsprotocol import types
from pygls.lsp.server import LanguageServer

import pt_lsp
from pt_lsp.core.selection import Selection

from . import actions, configuration, debug, hover, pull, sync
from .client import ClientFeatures
from .documents import Linter
from .project import ProjectSettings
from .protocol import PtLspProtocol
from .settings import Settings, SettingsLayers

logger = logging.getLogger(__name__)


class PtLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "pt-lsp",
            pt_lsp.__version__,
            protocol_cls=PtLspProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=sync.NOTEBOOK_SYNC,
        )
        self.client = ClientFeatures()
        self.layers = SettingsLayers()
        self.settings = Settings()
        self.project = ProjectSettings(self.warn)
        self.linter = Linter(self)
        self.shutdown_received = False
        self.startup_problems: list[str] = []  # reported once the client can hear them

    # -- messages to the user ----------------------------------------------------------------
    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        logger.log(logging.ERROR if kind == types.MessageType.Error else logging.INFO, "%s", message)
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def warn(self, message: str) -> None:
        self.log(message, types.MessageType.Warning)

    def internal_error(self, where: str, error: Exception) -> None:
        logger.error("%s failed:\n%s", where, "".join(traceback.format_exception(error)))
        self.log(f"pt-lsp internal error in {where}: {type(error).__name__}: {error}", types.MessageType.Error)

    def report_server_error(self, error: Exception, source) -> None:
        # pygls pops up a message box by default; a log line is enough (and less alarming).
        logger.error("server error (%s): %s", getattr(source, "__name__", source), error)
        try:
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=f"pt-lsp: {error}"))
        except Exception:  # the transport itself may be gone
            pass

    # -- settings ----------------------------------------------------------------------------
    def selection_for(self, path: str) -> Selection | None:
        """The rules to run on the file at ``path``; None when the project excludes it."""
        project = self.project.for_path(path)
        if project.excludes(path):
            return None
        return self.settings.selection(project, path)

    def apply_settings(self, relint: bool = True) -> None:
        settings = self.layers.merged()
        changed = settings != self.settings
        self.settings = settings
        if changed and relint:
            self.linter.relint_all()


def on_shutdown(ls: PtLanguageServer, params: None) -> None:
    ls.shutdown_received = True
    ls.linter.close()


FEATURES = [
    (types.INITIALIZE, configuration.initialize, None),
    (types.INITIALIZED, configuration.initialized, None),
    (types.SHUTDOWN, on_shutdown, None),
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
    server = PtLanguageServer()
    for method, handler, options in FEATURES:
        server.feature(method, options)(handler)
    return server
