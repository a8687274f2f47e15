"""Every setting the server reads is a setting of the VS Code extension, passed through to it
(issue 14): read from the server's settings parser (``pt_lsp/lsp/settings.py``) and from the
extension's ``package.json`` and sources, so that a new server setting cannot be left out."""

from __future__ import annotations

import ast
import json
import pathlib
import re

import pytest

from pt_lsp.lsp.settings import Settings, editor_settings

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "editors" / "vscode"
SERVER_SETTINGS = ROOT / "pt_lsp" / "lsp" / "settings.py"
# The extension's own settings: how to start the server and what to show, not the server's.
EXTENSION_ONLY = {"enable", "interpreter", "path", "args", "showNotifications", "trace.server"}


def server_keys() -> set[str]:
    """The keys of ``parsers`` in ``editor_settings``: every setting the server reads."""
    tree = ast.parse(SERVER_SETTINGS.read_text(encoding="utf-8"))
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "editor_settings")
    for node in ast.walk(function):
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id == "parsers" and isinstance(node.value, ast.Dict):
            return {key.value for key in node.value.keys if isinstance(key, ast.Constant)}
    raise AssertionError("editor_settings no longer has a `parsers` table: update this test")


def contributed() -> dict[str, dict]:
    package = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    properties = package["contributes"]["configuration"]["properties"]
    return {name.removeprefix("pt-lsp."): schema for name, schema in properties.items()}


def test_the_server_keys_are_read_from_its_parser():
    keys = server_keys()
    assert {"select", "runtimeFindings", "timeBudget", "configuration"} <= keys
    assert len(keys) == len(Settings.__dataclass_fields__)  # one key per field of Settings


def test_every_server_setting_is_contributed_by_the_extension():
    missing = server_keys() - set(contributed())
    assert not missing, f"package.json lacks pt-lsp.{', pt-lsp.'.join(sorted(missing))}"


def test_the_extension_contributes_no_setting_the_server_does_not_know():
    assert set(contributed()) - EXTENSION_ONLY == server_keys()


def source(name: str) -> str:
    return (EXTENSION / "src" / "common" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("key", sorted(server_keys()))
def test_each_server_setting_is_read_sent_and_live(key):
    interface = re.search(r"export interface ServerSettings \{(.*?)\n\}", source("launch.ts"), re.S)
    assert interface and re.search(rf"\b{key}\??:", interface.group(1)), f"ServerSettings lacks {key}"
    assert re.search(rf"settings\.{key}\b", source("launch.ts")), f"serverSettings does not send {key}"
    assert f"'{key}'" in source("settings.ts"), f"getWorkspaceSettings does not read pt-lsp.{key}"
    live = re.search(r"export const LIVE_KEYS = \[(.*?)\]", source("launch.ts"), re.S)
    assert live and f"'{key}'" in live.group(1), f"a change of pt-lsp.{key} is not sent to the server"


@pytest.mark.parametrize("key", sorted(server_keys()))
def test_each_contributed_default_is_one_the_server_accepts(key):
    """The extension sends its defaults: the server must take each as it is (no warning) and
    agree with it, so that an untouched setting changes nothing."""
    schema = contributed()[key]
    default = schema.get("default")
    warnings: list[str] = []
    parsed = editor_settings({key: default}, warnings.append)
    if key in ("select", "ignore", "configuration"):  # not sent while unset (the project's apply)
        assert default in ([], None)
        return
    assert not warnings, warnings
    (field,) = parsed
    server_default = Settings.__dataclass_fields__[field].default
    if isinstance(server_default, tuple):
        assert parsed[field] == server_default or (not parsed[field] and not server_default), key
    else:
        assert parsed[field] == server_default, (key, parsed[field], server_default)
