"""What the connected client can do, read once from its capabilities at ``initialize``."""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types
from pygls.capabilities import get_capability

from .positions import encoding_name


@dataclass(frozen=True)
class ClientFeatures:
    encoding: str = types.PositionEncodingKind.Utf16.value
    pull_diagnostics: bool = False  # textDocument/diagnostic: then we do not push
    diagnostic_refresh: bool = False  # workspace/diagnostic/refresh
    related_information: bool = False
    code_description: bool = False
    resolve_edit: bool = False  # codeAction/resolve may fill in `edit`
    document_changes: bool = False  # versioned TextDocumentEdits in a WorkspaceEdit
    markdown_hover: bool = False
    configuration: bool = False  # workspace/configuration
    watch_registration: bool = False  # dynamic registration of workspace/didChangeWatchedFiles

    @classmethod
    def of(cls, caps: types.ClientCapabilities | None, encoding: object) -> ClientFeatures:
        caps = caps or types.ClientCapabilities()

        def has(path: str) -> bool:
            return bool(get_capability(caps, path, None))

        resolve_properties = get_capability(caps, "text_document.code_action.resolve_support.properties", None) or []
        hover_formats = get_capability(caps, "text_document.hover.content_format", None) or []
        return cls(
            encoding=encoding_name(encoding),
            pull_diagnostics=get_capability(caps, "text_document.diagnostic", None) is not None,
            diagnostic_refresh=has("workspace.diagnostics.refresh_support"),
            related_information=has("text_document.publish_diagnostics.related_information")
            or has("text_document.diagnostic.related_information"),
            code_description=has("text_document.publish_diagnostics.code_description_support"),
            resolve_edit="edit" in resolve_properties,
            document_changes=has("workspace.workspace_edit.document_changes"),
            markdown_hover=types.MarkupKind.Markdown in hover_formats,
            configuration=has("workspace.configuration"),
            watch_registration=has("workspace.did_change_watched_files.dynamic_registration"),
        )
