"""workspace/executeCommand: fix all in a file, a rule's documentation; and the settings
beside ruff's (extendSelect, exclude, configuration)."""

from __future__ import annotations

import pytest
from lsp_session import start
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

pytestmark = pytest.mark.asyncio

LEGACY = "import torch\nx = torch.ones(2)\nlegacy_api(x)\n"
TWO_RULES = "t = make()\nconsume(t)\nconsume(t)\nlegacy_api(t)\n"


async def test_commands_are_advertised_and_fix_all_applies_an_edit(bare_client: LanguageClient, tmp_path):
    applied: list[types.ApplyWorkspaceEditParams] = []

    @bare_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(client: LanguageClient, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        applied.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"))
    provider = ed.result.capabilities.execute_command_provider
    assert provider is not None
    assert {"pt-lsp.applyAutofix", "pt-lsp.showRuleDocumentation"} <= set(provider.commands)
    uri = ed.open(LEGACY)
    assert [d.code for d in await ed.diagnostics(uri)] == ["PTL901"]
    params = types.ExecuteCommandParams(command="pt-lsp.applyAutofix", arguments=[{"uri": uri, "version": 1}])
    assert await bare_client.workspace_execute_command_async(params) is None
    [request] = applied
    ed.apply_workspace_edit(request.edit)
    assert ed.texts[uri] == LEGACY.replace("legacy_api", "modern_api")
    assert await ed.diagnostics(uri, after=len(ed.published.items)) == []


async def test_show_rule_documentation(bare_client: LanguageClient, tmp_path):
    await start(bare_client, tmp_path, client_capabilities("visual-studio-code"))
    params = types.ExecuteCommandParams(command="pt-lsp.showRuleDocumentation", arguments=["PTL201"])
    doc = await bare_client.workspace_execute_command_async(params)
    assert doc["code"] == "PTL201" and doc["name"] == "backward-through-freed-graph"
    assert (
        doc["markdown"].startswith("# backward-through-freed-graph (PTL201)") and "## What it does" in doc["markdown"]
    )
    missing = types.ExecuteCommandParams(command="pt-lsp.showRuleDocumentation", arguments=[{"code": "PTL999"}])
    assert await bare_client.workspace_execute_command_async(missing) is None


async def codes(ed, uri: str) -> list[str]:
    return sorted(str(d.code) for d in await ed.diagnostics(uri))


async def test_extend_select_exclude_and_configuration_settings(bare_client: LanguageClient, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pt-lsp]\nselect = ["PTL901"]\n')
    (tmp_path / "other.toml").write_text('select = ["PTL903"]\n')
    options = {"extendSelect": ["PTL903"], "exclude": ["generated/*"]}
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"), options)
    assert await codes(ed, ed.open(TWO_RULES, "a.py")) == ["PTL901", "PTL903"]
    assert await codes(ed, ed.open(TWO_RULES, "generated/g.py")) == []


async def test_configuration_setting_replaces_the_project_table(bare_client: LanguageClient, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pt-lsp]\nselect = ["PTL901"]\n')
    (tmp_path / "other.toml").write_text('select = ["PTL903"]\n')
    options = {"configuration": str(tmp_path / "other.toml")}
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"), options)
    assert await codes(ed, ed.open(TWO_RULES, "a.py")) == ["PTL903"]
