"""Code actions: each fix of a diagnostic, "Disable PTLxxx for this line", and fix-all.

Quick fixes come from ``Diagnostic.data`` (no second analysis). Fix-all re-lints until nothing
is left to fix, which costs several passes, so where the client can resolve code actions its
edit is computed lazily in ``codeAction/resolve``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from pt_lsp.core.document import Document, Pos, Span
from pt_lsp.core.fixes import fix_source
from pt_lsp.core.noqa import add_noqa
from pt_lsp.core.rule import all_rules

from .diagnostics import SOURCE
from .documents import key_of, path_of
from .edits import UriEdit, replacement_edit, workspace_edit
from .guard import guarded
from .positions import range_from_json, to_range

if TYPE_CHECKING:
    from .state import PtLanguageServer

FIX_ALL_KIND = "source.fixAll.pt-lsp"
FIX_ALL_TITLE = "pt-lsp: fix all auto-fixable problems"
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL_KIND]


def wanted(only: Sequence[str] | None, kind: str) -> bool:
    """LSP kinds are hierarchical: asking for ``source.fixAll`` includes ``source.fixAll.pt-lsp``."""
    return only is None or any(kind == k or kind.startswith(k + ".") for k in only)


def _current_version(ls: PtLanguageServer, uri: str) -> int | None:
    doc = ls.workspace.text_documents.get(key_of(uri))
    return doc.version if doc is not None else None


def _data(diagnostic: types.Diagnostic) -> dict[str, Any]:
    """A diagnostic's ``data``: ours is an object (the client hands it back untouched)."""
    return diagnostic.data if isinstance(diagnostic.data, dict) else {}


def fix_actions(ls: PtLanguageServer, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    data = _data(diagnostic)
    actions = []
    for index, fix in enumerate(data.get("fixes") or []):
        edits = _fix_edits(fix)
        if any(_current_version(ls, e.uri) != e.version for e in edits):
            return []  # the text moved on since this diagnostic: its edits would land in the wrong place
        unsafe = fix.get("applicability") == "unsafe"
        actions.append(
            types.CodeAction(
                title=fix["title"] + (" (unsafe)" if unsafe else ""),
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                is_preferred=index == 0,
                edit=workspace_edit(edits, ls.client.document_changes),
            )
        )
    return actions


def _changed_part(old: str, new: str) -> tuple[int, int, str]:
    """``old[start:end]`` is replaced by the returned text to give ``new`` (code points)."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old, end_new = end_old - 1, end_new - 1
    return start, end_old, new[start:end_new]


def noqa_action(ls: PtLanguageServer, uri: str, diagnostic: types.Diagnostic) -> types.CodeAction | None:
    text_doc = ls.workspace.text_documents.get(key_of(uri))
    code = str(diagnostic.code or "")
    rule = all_rules().get(code)
    if text_doc is None or rule is None or not rule.suppressible:
        return None  # (a syntax error cannot be silenced: the file does not parse)
    doc = Document(text_doc.source)
    line = diagnostic.range.start.line + 1
    if line > doc.line_count:
        return None
    old = doc.line_text(line)
    new = add_noqa(old, code)
    if new == old:
        return None  # already silenced, e.g. by a bare noqa comment
    start, end, content = _changed_part(old, new)
    edit = types.TextEdit(
        range=to_range(doc, Span(Pos(line, start), Pos(line, end)), ls.client.encoding), new_text=content
    )
    return types.CodeAction(
        title=f"Disable {code} for this line",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=workspace_edit([UriEdit(uri, text_doc.version, edit)], ls.client.document_changes),
    )


async def fix_all_edit(ls: PtLanguageServer, uri: str) -> types.WorkspaceEdit | None:
    text_doc = ls.workspace.text_documents.get(key_of(uri))
    if text_doc is None:
        return None
    path, text, version = path_of(uri), text_doc.source, text_doc.version
    selection, unsafe = ls.selection_for(path), ls.settings.unsafe_fixes
    if selection is None:
        return None  # excluded by the project
    outcome = await ls.linter.run_blocking(lambda: fix_source(text, path, selection, unsafe=unsafe))
    for error in outcome.errors:
        ls.log(f"{path}: {error}", types.MessageType.Error)
    edit = replacement_edit(text, outcome.text, ls.client.encoding)
    if edit is None:
        return None
    return workspace_edit([UriEdit(uri, version, edit)], ls.client.document_changes)


def _fix_edits(fix: dict) -> list[UriEdit]:
    return [
        UriEdit(e["uri"], e.get("version"), types.TextEdit(range=range_from_json(e["range"]), new_text=e["newText"]))
        for e in fix["edits"]
    ]


def _bounds(edit: UriEdit) -> tuple[tuple[int, int], tuple[int, int]]:
    start, end = edit.edit.range.start, edit.edit.range.end
    return (start.line, start.character), (end.line, end.character)


def _overlap(a: UriEdit, b: UriEdit) -> bool:
    (a_start, a_end), (b_start, b_end) = _bounds(a), _bounds(b)
    return a_start == b_start or (a_start < b_end and b_start < a_end)


def cell_fix_all_edit(ls: PtLanguageServer, uri: str) -> types.WorkspaceEdit | None:
    """Fix-all in one notebook cell: one round of the preferred fixes already computed for its
    diagnostics (those that stay inside the cell and do not overlap)."""
    lint = ls.linter.results.get(key_of(uri))
    if lint is None or lint.version != _current_version(ls, uri):
        return None  # not linted in this version yet
    unsafe = ls.settings.unsafe_fixes
    chosen: list[UriEdit] = []
    for item in lint.flagged:
        fixes = _data(item.diagnostic)["fixes"]
        if not fixes or fixes[0]["applicability"] not in (("safe", "unsafe") if unsafe else ("safe",)):
            continue
        edits = _fix_edits(fixes[0])
        if all(e.uri == uri for e in edits) and not any(_overlap(e, c) for e in edits for c in chosen):
            chosen.extend(edits)
    return workspace_edit(chosen, ls.client.document_changes) if chosen else None


async def fix_all_action(ls: PtLanguageServer, uri: str) -> types.CodeAction | None:
    if not ls.settings.fix_all or _current_version(ls, uri) is None:
        return None
    if ls.workspace.get_notebook_document(cell_uri=uri) is not None:
        edit = cell_fix_all_edit(ls, uri)  # cheap: no resolve needed
        return types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL_KIND, edit=edit) if edit else None
    lint = ls.linter.results.get(key_of(uri))
    if lint is not None and lint.version == _current_version(ls, uri) and not lint.fixable(ls.settings.unsafe_fixes):
        return None
    action = types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL_KIND, data={"fixAll": uri})
    if ls.client.resolve_edit:
        return action  # the edit is computed in codeAction/resolve, only if the user picks it
    action.edit = await fix_all_edit(ls, uri)
    return action if action.edit is not None else None


@guarded()
async def code_action(ls: PtLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    uri, only = params.text_document.uri, params.context.only
    actions: list[types.CodeAction] = []
    if wanted(only, types.CodeActionKind.QuickFix):
        ours = [d for d in params.context.diagnostics if d.source == SOURCE and isinstance(d.data, dict)]
        ours = [d for d in ours if _data(d).get("version") == _current_version(ls, uri)]  # not stale
        actions.extend(action for d in ours for action in fix_actions(ls, d))
        actions.extend(filter(None, (noqa_action(ls, uri, d) for d in ours)))
    if wanted(only, FIX_ALL_KIND):
        fix_all = await fix_all_action(ls, uri)
        if fix_all is not None:
            actions.append(fix_all)
    return actions or None


@guarded(fallback=lambda action: action)
async def resolve_code_action(ls: PtLanguageServer, action: types.CodeAction) -> types.CodeAction:
    data: Any = action.data
    if isinstance(data, dict) and isinstance(data.get("fixAll"), str) and action.edit is None:
        uri = data["fixAll"]
        action.edit = await fix_all_edit(ls, uri)
    return action
