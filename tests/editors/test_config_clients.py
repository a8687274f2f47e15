"""Helix and Sublime Text are not installable here, so their shipped configs are run by a small
client that does with them what each editor documents it does, against the real server:

- Helix: starts ``command args``, sends ``config`` as initializationOptions and in
  ``workspace/didChangeConfiguration``, and answers ``workspace/configuration`` by walking
  ``config`` along the dotted section (helix-term's application.rs).
- Sublime LSP: starts ``command``, sends ``initializationOptions``, sends ``settings`` in
  ``workspace/didChangeConfiguration`` and answers ``workspace/configuration`` from
  ``settings`` by dotted section.

Each test sets ``ignore = ["PTL101"]`` where the config has its settings table and checks that
the server then reports PTL401 alone: the config's nesting of the ``pt-lsp`` section is right.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomllib
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from test_configs import EDITORS

BUGGY = """import torch
from torch.autograd import Variable

x = torch.randn(3, device="cuda")
y = Variable(x)
print(x.numpy())
"""
TIMEOUT = 30.0


def dotted(value: Any, section: str | None) -> Any:
    for part in (section or "").split("."):
        if not part:
            continue
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def user_env() -> dict[str, str]:
    # As in a shell with the project's venv activated: its python3 comes first on PATH.
    return {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}


async def codes_after_settings(
    command: list[str], init_options: Any, did_change: Any, configuration: Callable[[str | None], Any], root: Path
) -> list[str]:
    """Codes of the diagnostics the server settles on for BUGGY, once PTL101 is gone."""
    client = LanguageClient("editor-config-check", "0")
    published: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def on_configuration(params: types.ConfigurationParams) -> list[Any]:
        return [configuration(item.section) for item in params.items]

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def on_register(_params: Any) -> None:
        return None

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def on_log(_params: Any) -> None:
        return None

    source = root / "train.py"
    source.write_text(BUGGY)
    await client.start_io(command[0], *command[1:], env=user_env(), cwd=str(root))
    try:
        await asyncio.wait_for(
            client.initialize_async(
                types.InitializeParams(
                    process_id=os.getpid(),
                    root_uri=root.as_uri(),
                    initialization_options=init_options,
                    capabilities=types.ClientCapabilities(
                        workspace=types.WorkspaceClientCapabilities(configuration=True),
                        text_document=types.TextDocumentClientCapabilities(
                            publish_diagnostics=types.PublishDiagnosticsClientCapabilities()
                        ),
                    ),
                )
            ),
            TIMEOUT,
        )
        client.initialized(types.InitializedParams())
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=did_change))
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=source.as_uri(), language_id="python", version=1, text=BUGGY)
            )
        )
        seen: list[list[str]] = []
        deadline = asyncio.get_running_loop().time() + TIMEOUT
        while True:
            try:
                params = await asyncio.wait_for(published.get(), deadline - asyncio.get_running_loop().time())
            except asyncio.TimeoutError:
                raise AssertionError(f"diagnostics never settled without PTL101; published: {seen}") from None
            codes = sorted(str(d.code) for d in params.diagnostics)
            seen.append(codes)
            if codes and "PTL101" not in codes:
                return codes
    finally:
        await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
        client.exit(None)
        await client.stop()


def test_helix_config_section_reaches_the_server(tmp_path):
    config = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text())
    server = config["language-server"]["pt-lsp"]
    server["config"]["pt-lsp"]["ignore"] = ["PTL101"]
    codes = asyncio.run(
        codes_after_settings(
            [server["command"], *server["args"]],
            server["config"],
            server["config"],
            lambda section: dotted(server["config"], section),
            tmp_path,
        )
    )
    assert codes == ["PTL401"]


def test_sublime_settings_reach_the_server(tmp_path):
    client = json.loads((EDITORS / "sublime" / "LSP.sublime-settings").read_text())["clients"]["pt-lsp"]
    client["settings"]["pt-lsp"]["ignore"] = ["PTL101"]
    codes = asyncio.run(
        codes_after_settings(
            client["command"],
            client["initializationOptions"],
            client["settings"],
            lambda section: dotted(client["settings"], section),
            tmp_path,
        )
    )
    assert codes == ["PTL401"]
