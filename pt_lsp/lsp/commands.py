"""``workspace/executeCommand``: what an editor can bind to a key or a menu entry.

- ``pt-lsp.applyAutofix`` (ruff's ``ruff.applyAutofix``): every applicable fix of one document,
  sent back to the editor as ``workspace/applyEdit``. Arguments: ``{"uri": ..., "version": ...}``
  (ruff's shape) or the URI alone.
- ``pt-lsp.showRuleDocumentation``: a rule's documentation as Markdown (what ``pt-lsp rule
  CODE`` prints), for the editor to show. Argument: the code (``"PTL201"``) or rule name, or
  ``{"code": ...}``; the result is ``{"code", "name", "markdown"}``, or None for no such rule.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from .actions import FIX_ALL_TITLE, cell_fix_all_edit, fix_all_edit
from .guard import guarded
from .state import PtLanguageServer  # at run time: pygls reads the handlers' annotations

APPLY_AUTOFIX = "pt-lsp.applyAutofix"
SHOW_RULE_DOCUMENTATION = "pt-lsp.showRuleDocumentation"


def _argument(arguments: tuple[Any, ...], key: str) -> str | None:
    """The first argument, as a string or the ``key`` of an object."""
    if not arguments:
        return None
    first = arguments[0]
    if isinstance(first, dict):
        first = first.get(key)
    return first if isinstance(first, str) and first else None


@guarded()
async def apply_autofix(ls: PtLanguageServer, *arguments: Any) -> None:
    uri = _argument(arguments, "uri")
    if uri is None:
        ls.log(f"{APPLY_AUTOFIX}: expected a document URI argument, got {list(arguments)!r}", types.MessageType.Warning)
        return None
    if ls.workspace.get_notebook_document(cell_uri=uri) is not None:
        edit = cell_fix_all_edit(ls, uri)
    else:
        edit = await fix_all_edit(ls, uri)
    if edit is not None:
        await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=FIX_ALL_TITLE))
    return None


@guarded()
def show_rule_documentation(ls: PtLanguageServer, *arguments: Any) -> dict[str, str] | None:
    from pt_lsp.commands.rule_cmd import lookup, rule_markdown

    code = _argument(arguments, "code")
    entry = lookup(code) if code else None
    if entry is None:
        ls.log(f"{SHOW_RULE_DOCUMENTATION}: no rule {code!r}", types.MessageType.Warning)
        return None
    return {"code": entry["code"], "name": entry["name"], "markdown": rule_markdown(entry)}


COMMANDS = {APPLY_AUTOFIX: apply_autofix, SHOW_RULE_DOCUMENTATION: show_rule_documentation}
