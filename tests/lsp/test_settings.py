"""Settings from initializationOptions, the editor's configuration and pyproject.toml."""

from __future__ import annotations

import pytest
from lsp_editor import Editor
from lsp_session import start
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

pytestmark = pytest.mark.asyncio

TWO_RULES = "t = make()\nconsume(t)\nconsume(t)\nlegacy_api(t)\n"


async def codes(ed: Editor, uri: str, after: int = 0) -> list[str]:
    return sorted(str(d.code) for d in await ed.diagnostics(uri, after))


async def test_initialization_options_select_ignore_and_severity(bare_client: LanguageClient, tmp_path):
    options = {"ignore": ["PTL903"], "severity": {"PTL901": "hint"}}
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"), options)
    [diagnostic] = await ed.diagnostics(ed.open(TWO_RULES))
    assert diagnostic.code == "PTL901" and diagnostic.severity == types.DiagnosticSeverity.Hint


async def test_bad_settings_are_reported_and_ignored(bare_client: LanguageClient, tmp_path):
    options = {"ignore": 42, "debounce": "soon", "severity": {"PTL901": "loud"}}
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"), options)
    assert await codes(ed, ed.open(TWO_RULES)) == ["PTL901", "PTL903"]
    messages = " ".join(m.message for m in ed.logs.items)
    assert "'ignore' must be a list" in messages and "'debounce'" in messages and "'loud'" in messages


async def settings_applied(ed: Editor, check) -> None:
    """Ask the server until ``check(settings)`` holds: it fetches settings from the client
    asynchronously, so there is no notification to wait for in pull mode."""
    for _ in range(200):
        if check((await ed.debug_info()).settings):
            return
    raise AssertionError("the settings never arrived")


async def test_configuration_change_relints_open_documents(ed: Editor):
    uri = ed.open(TWO_RULES)
    assert await codes(ed, uri) == ["PTL901", "PTL903"]
    ed.client.set_configuration({"select": ["PTL903"]}, section="pt-lsp")
    mark = len(ed.published.items)
    ed.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    if ed.pull:  # the client pulls again when it likes; make sure the server has the settings
        await settings_applied(ed, lambda settings: list(settings.select or []) == ["PTL903"])
    assert await codes(ed, uri, after=mark) == ["PTL903"]


async def test_pull_clients_that_allow_it_are_asked_to_refresh(bare_client: LanguageClient, tmp_path):
    caps = client_capabilities("neovim")
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    ed = await start(bare_client, tmp_path, caps)
    uri = ed.open(TWO_RULES)
    assert await codes(ed, uri) == ["PTL901", "PTL903"]
    bare_client.set_configuration({"ignore": ["PTL9"]}, section="pt-lsp")
    mark = len(bare_client.refreshes.items)
    bare_client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await bare_client.refreshes.wait_for(lambda _: True, after=mark)
    assert await codes(ed, uri) == []


async def test_settings_pushed_by_a_client_without_workspace_configuration(bare_client: LanguageClient, tmp_path):
    caps = client_capabilities("neovim@0.7")  # no workspace/configuration, push diagnostics
    ed = await start(bare_client, tmp_path, caps)
    uri = ed.open(TWO_RULES)
    assert await codes(ed, uri) == ["PTL901", "PTL903"]
    mark = len(ed.published.items)
    settings = {"pt-lsp": {"ignore": ["PTL901"]}}
    bare_client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))
    assert await codes(ed, uri, after=mark) == ["PTL903"]


async def test_pyproject_is_honoured_and_reread_when_it_changes(bare_client: LanguageClient, tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.pt-lsp]\nignore = ["PTL901"]\n')
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"))
    uri = ed.open(TWO_RULES)
    assert await codes(ed, uri) == ["PTL903"]
    # VS Code watches files for us once asked to
    watch = await bare_client.registrations.wait_for(lambda r: r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    assert watch.register_options["watchers"][0]["globPattern"] == "**/pyproject.toml"
    pyproject.write_text('[tool.pt-lsp]\nselect = ["PTL901"]\n')
    mark = len(ed.published.items)
    bare_client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    assert await codes(ed, uri, after=mark) == ["PTL901"]


async def test_per_file_ignores_from_pyproject(bare_client: LanguageClient, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pt-lsp.per-file-ignores]\n"scripts/*.py" = ["PTL903"]\n')
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"))
    assert await codes(ed, ed.open(TWO_RULES, "scripts/run.py")) == ["PTL901"]
    assert await codes(ed, ed.open(TWO_RULES, "lib.py")) == ["PTL901", "PTL903"]


async def test_the_closest_pyproject_governs_and_excluded_files_are_not_linted(bare_client: LanguageClient, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pt-lsp]\nignore = ["PTL901"]\nexclude = ["vendor"]\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text('[tool.pt-lsp]\nignore = ["PTL903"]\n')
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"))
    assert await codes(ed, ed.open(TWO_RULES, "top.py")) == ["PTL903"]
    assert await codes(ed, ed.open(TWO_RULES, "sub/inner.py")) == ["PTL901"]
    assert await codes(ed, ed.open(TWO_RULES, "vendor/lib.py")) == []  # as `pt-lsp check` would


async def test_editor_settings_override_the_project(bare_client: LanguageClient, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pt-lsp]\nignore = ["PTL901"]\n')
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"), {"ignore": []})
    assert await codes(ed, ed.open(TWO_RULES)) == ["PTL901", "PTL903"]
