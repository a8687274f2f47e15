"""pygls' document model with LSP's line breaks.

pygls splits documents with ``str.splitlines``, which also breaks lines at form feeds, U+2028
and a few other separators; an editor does not. In a file with a form feed, pygls would then
apply an incremental change on the wrong line and the server's copy of the text would no longer
be the editor's. These subclasses split only at ``\\n``, ``\\r\\n`` and ``\\r``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pygls.workspace import TextDocument, Workspace

from pt_lsp.core.document import split_lines


class LspTextDocument(TextDocument):
    @property
    def lines(self) -> Sequence[str]:
        return tuple(split_lines(self.source))


class LspWorkspace(Workspace):
    def _create_text_document(self, doc_uri, source=None, version=None, language_id=None) -> TextDocument:
        return LspTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )

    @classmethod
    def replacing(cls, workspace: Workspace) -> LspWorkspace:
        """The same (still empty) workspace, as this class: called right after ``initialize``."""
        return cls(
            workspace.root_uri,
            workspace._sync_kind,
            list(workspace.folders.values()),
            workspace.position_encoding,
        )
