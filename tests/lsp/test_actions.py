"""Code actions applied the way an editor applies them, then checked again by the server."""

from __future__ import annotations

import pytest
from lsp_editor import Editor, text_edits_by_uri
from lsp_session import start
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

pytestmark = pytest.mark.asyncio

LEGACY = "import torch\nx = torch.ones(2)\nlegacy_api(x)\n"


def by_title(actions, prefix: str) -> types.CodeAction:
    [action] = [a for a in actions if a.title.startswith(prefix)]
    return action


async def resolved(ed: Editor, action: types.CodeAction) -> types.CodeAction:
    if action.edit is None:
        action = await ed.client.code_action_resolve_async(action)
    return action


async def test_quick_fix_edit_really_removes_the_diagnostic(ed: Editor):
    uri = ed.open(LEGACY)
    diagnostics = await ed.diagnostics(uri)
    actions = await ed.code_actions(uri, diagnostics)
    fix = by_title(actions, "Replace with `modern_api`")
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    assert fix.diagnostics[0].code == "PTL901"
    ed.apply_workspace_edit(fix.edit)
    assert ed.texts[uri] == LEGACY.replace("legacy_api", "modern_api")
    assert await ed.diagnostics(uri) == []


async def test_the_unsafe_alternative_is_offered_but_not_preferred(ed: Editor):
    uri = ed.open(LEGACY)
    actions = await ed.code_actions(uri, await ed.diagnostics(uri))
    unsafe = by_title(actions, "Replace with `unchecked_api` (unsafe)")
    assert not unsafe.is_preferred
    ed.apply_workspace_edit(unsafe.edit)
    assert "unchecked_api(x)" in ed.texts[uri]


async def test_fixes_are_versioned_where_the_client_supports_it(ed: Editor):
    uri = ed.open(LEGACY)
    fix = by_title(await ed.code_actions(uri, await ed.diagnostics(uri)), "Replace with `modern_api`")
    if ed.client.capabilities.workspace.workspace_edit.document_changes:
        [change] = fix.edit.document_changes
        assert change.text_document.version == ed.versions[uri]
    else:
        assert list(fix.edit.changes) == [uri]


async def test_stale_diagnostics_offer_no_fix_that_would_land_in_the_wrong_place(ed: Editor):
    uri = ed.open(LEGACY)
    old = await ed.diagnostics(uri)
    ed.replace(uri, "import torch\n", "import torch\n# a new line above moves everything\n")
    # neither the fixes nor "Disable ... for this line" (it would go on the wrong line)
    assert await ed.code_actions(uri, old, only=["quickfix"]) == []
    fresh = await ed.diagnostics(uri)
    assert len(await ed.code_actions(uri, fresh, only=["quickfix"])) == 3


async def test_noqa_action_silences_the_line(ed: Editor):
    uri = ed.open(LEGACY)
    actions = await ed.code_actions(uri, await ed.diagnostics(uri))
    noqa = by_title(actions, "Disable PTL901 for this line")
    ed.apply_workspace_edit(noqa.edit)
    assert ed.texts[uri].splitlines()[2] == "legacy_api(x)  # noqa: PTL901"
    assert await ed.diagnostics(uri) == []


async def test_noqa_action_extends_an_existing_noqa_comment(ed: Editor):
    text = "t = make()\nconsume(t)\nconsume(t); legacy_api(t)  # noqa: PTL903 😀\n"
    uri = ed.open(text)
    [diagnostic] = await ed.diagnostics(uri)
    assert diagnostic.code == "PTL901"
    noqa = by_title(await ed.code_actions(uri, [diagnostic]), "Disable PTL901 for this line")
    ed.apply_workspace_edit(noqa.edit)
    assert ed.texts[uri].splitlines()[2] == "consume(t); legacy_api(t)  # noqa: PTL901, PTL903 😀"
    assert await ed.diagnostics(uri) == []


async def test_fix_all_applies_every_safe_fix(ed: Editor):
    text = "import torch\n\ndef f(x):\n    return legacy_api(x) + legacy_api(x * 2)\n\nlegacy_api(f(1))\nprint('😀')\n"
    uri = ed.open(text)
    assert len(await ed.diagnostics(uri)) == 3
    actions = await ed.code_actions(uri, [], only=["source.fixAll"])
    [fix_all] = actions
    assert fix_all.kind == "source.fixAll.pt-lsp"
    fix_all = await resolved(ed, fix_all)
    ed.apply_workspace_edit(fix_all.edit)
    assert ed.texts[uri] == text.replace("legacy_api", "modern_api")
    assert await ed.diagnostics(uri) == []
    # nothing left to fix: no fix-all is offered
    assert await ed.code_actions(uri, [], only=["source.fixAll"]) == []


async def test_fix_all_edits_only_the_lines_that_change(ed: Editor):
    text = "a = 1\nb = 2\nlegacy_api(a)\nc = 3\n"
    uri = ed.open(text)
    await ed.diagnostics(uri)
    fix_all = await resolved(ed, (await ed.code_actions(uri, [], only=["source.fixAll.pt-lsp"]))[0])
    [[edit]] = text_edits_by_uri(fix_all.edit).values()
    assert (edit.range.start.line, edit.range.end.line) == (2, 3)
    assert edit.new_text == "modern_api(a)\n"


async def test_fix_all_leaves_unsafe_fixes_alone_by_default(ed: Editor):
    uri = ed.open("risky_api(1)\n")
    [diagnostic] = await ed.diagnostics(uri)
    assert await ed.code_actions(uri, [], only=["source.fixAll"]) == []
    # the unsafe fix is still there as a quick fix, for a human to choose
    by_title(await ed.code_actions(uri, [diagnostic]), "Replace with `careful_api` (unsafe)")


async def test_fix_all_includes_unsafe_fixes_when_asked(bare_client: LanguageClient, tmp_path):
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"), {"unsafeFixes": True})
    uri = ed.open("risky_api(1)\nlegacy_api(2)\n")
    await ed.diagnostics(uri)
    fix_all = await resolved(ed, (await ed.code_actions(uri, [], only=["source.fixAll"]))[0])
    ed.apply_workspace_edit(fix_all.edit)
    assert ed.texts[uri] == "careful_api(1)\nmodern_api(2)\n"


async def test_fix_all_can_be_switched_off(bare_client: LanguageClient, tmp_path):
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"), {"fixAll": False})
    uri = ed.open(LEGACY)
    diagnostics = await ed.diagnostics(uri)
    assert await ed.code_actions(uri, [], only=["source.fixAll"]) == []
    assert by_title(await ed.code_actions(uri, diagnostics), "Replace with `modern_api`")


async def test_real_rule_ptl401_quick_fix(ed: Editor):
    text = 'import torch\nx = torch.randn(3, device="cuda")\ny = x.numpy()\n'
    uri = ed.open(text)
    [diagnostic] = [d for d in await ed.diagnostics(uri) if d.code == "PTL401"]
    preferred = [a for a in await ed.code_actions(uri, [diagnostic]) if a.is_preferred]
    assert len(preferred) == 1
    ed.apply_workspace_edit(preferred[0].edit)
    assert ".cpu()" in ed.texts[uri].splitlines()[2]
    assert [d for d in await ed.diagnostics(uri) if d.code == "PTL401"] == []
