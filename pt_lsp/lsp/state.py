"""The server's state: what the client can do, the settings, the project, the linter.

A leaf of the package's import graph: the feature modules (``actions``, ``hover``, ``pull``,
``sync``, ...) import this class for their handlers' ``ls`` parameter, and only ``server`` wires
them to it, so no feature imports ``server``.
"""

from __future__ import annotations

import logging
import traceback

from lsprotocol import types
from pygls.lsp.server import LanguageServer

import pt_lsp
from pt_lsp.core.selection import Selection

from .client import ClientFeatures
from .documents import Linter
from .project import ProjectSettings
from .protocol import PtLspProtocol
from .settings import Settings, SettingsLayers

logger = logging.getLogger(__name__)


class PtLanguageServer(LanguageServer):
    def __init__(self, notebook_document_sync: types.NotebookDocumentSyncOptions | None = None) -> None:
        super().__init__(
            "pt-lsp",
            pt_lsp.__version__,
            protocol_cls=PtLspProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=notebook_document_sync,
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

    def notify_user(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """A message shown to the user (window/showMessage), and logged."""
        self.log(message, kind)
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def internal_error(self, where: str, error: Exception) -> None:
        logger.error("%s failed:\n%s", where, "".join(traceback.format_exception(error)))
        self.log(f"pt-lsp internal error in {where}: {type(error).__name__}: {error}", types.MessageType.Error)

    def report_server_error(self, error: Exception, source: object) -> None:
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
