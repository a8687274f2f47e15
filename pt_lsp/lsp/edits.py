"""Building WorkspaceEdits: versioned document changes where the client supports them."""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from pt_lsp.core.document import Document, Span

from .positions import to_range


@dataclass(frozen=True)
class UriEdit:
    uri: str
    version: int | None
    edit: types.TextEdit


def workspace_edit(edits: list[UriEdit], document_changes: bool) -> types.WorkspaceEdit:
    by_uri: dict[str, list[UriEdit]] = {}
    for item in edits:
        by_uri.setdefault(item.uri, []).append(item)
    if document_changes:
        # A versioned edit is refused by the client if the document moved on meanwhile.
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=items[0].version),
                    edits=[item.edit for item in items],
                )
                for uri, items in by_uri.items()
            ]
        )
    return types.WorkspaceEdit(changes={uri: [item.edit for item in items] for uri, items in by_uri.items()})


def _common_prefix(a: str, b: str) -> int:
    limit = min(len(a), len(b))
    lo, hi = 0, limit  # binary search on slices: fast for long texts
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def replacement_edit(old: str, new: str, encoding: str) -> types.TextEdit | None:
    """One TextEdit turning ``old`` into ``new``, limited to the lines that differ (so the
    editor keeps cursors and folds elsewhere). None when the texts are equal."""
    if old == new:
        return None
    prefix = _common_prefix(old, new)
    suffix = _common_prefix(old[prefix:][::-1], new[prefix:][::-1])
    # Snap to whole lines so that no edit splits a "\r\n".
    start = old.rfind("\n", 0, prefix) + 1
    old_end, new_end = len(old) - suffix, len(new) - suffix
    newline = old.find("\n", old_end)
    if newline != -1 and old_end > 0 and old[old_end - 1] != "\n":
        shift = newline + 1 - old_end
        old_end, new_end = old_end + shift, new_end + shift
    doc = Document(old)
    span = Span(doc.pos_at(start), doc.pos_at(old_end))
    return types.TextEdit(range=to_range(doc, span, encoding), new_text=new[start:new_end])
