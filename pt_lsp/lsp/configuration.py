"""Lifecycle and settings: initialize, initialized, shutdown, configuration changes, pyproject.toml changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from pt_lsp.core.rule import all_rules

from .client import ClientFeatures
from .guard import guarded
from .plugins import load_rule_modules
from .project import PYPROJECT
from .settings import SECTION, editor_settings
from .text import LspWorkspace

if TYPE_CHECKING:
    from .state import PtLanguageServer

WATCH_ID = "pt-lsp-watch-pyproject"


@guarded()
def initialize(ls: PtLanguageServer, params: types.InitializeParams) -> None:
    ls.client = ClientFeatures.of(params.capabilities, ls.workspace.position_encoding)
    ls.layers.init = editor_settings(params.initialization_options, ls.warn)
    ls.apply_settings(relint=False)
    # pygls has just created the workspace (no document is open yet): use LSP's line breaks.
    ls.protocol._workspace = LspWorkspace.replacing(ls.workspace)


async def _fetch_editor_settings(ls: PtLanguageServer) -> None:
    params = types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
    values = await ls.workspace_configuration_async(params)
    if values and values[0] is not None:
        ls.layers.editor = editor_settings(values[0], ls.warn)


async def _watch_pyproject(ls: PtLanguageServer) -> None:
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=f"**/{PYPROJECT}")]
    )
    registration = types.Registration(
        id=WATCH_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
    )
    await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))


@guarded()
async def initialized(ls: PtLanguageServer, params: types.InitializedParams) -> None:
    # Import the rules now, not on the first keystroke, each on its own so one broken module
    # cannot stop the others.
    for problem in ls.startup_problems + load_rule_modules():
        ls.log(problem, types.MessageType.Error)
    all_rules()
    if ls.client.configuration:
        await _fetch_editor_settings(ls)
        ls.apply_settings()
    if ls.client.watch_registration:
        try:
            await _watch_pyproject(ls)
        except Exception as error:  # a client that cannot watch files: settings still work
            ls.log(f"could not watch {PYPROJECT}: {error}", types.MessageType.Warning)


def shutdown(ls: PtLanguageServer, params: None) -> None:
    ls.shutdown_received = True
    ls.linter.close()


@guarded()
async def did_change_configuration(ls: PtLanguageServer, params: types.DidChangeConfigurationParams) -> None:
    if ls.client.configuration:
        await _fetch_editor_settings(ls)  # the pull model: params.settings may be null
    else:
        ls.layers.editor = editor_settings(params.settings, ls.warn)
    ls.apply_settings()


@guarded()
def did_change_watched_files(ls: PtLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
    if any(change.uri.endswith("/" + PYPROJECT) for change in params.changes):
        ls.project.reload()
        ls.linter.relint_all()
