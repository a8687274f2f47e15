"""End to end with a real editor: Neovim's own LSP client against `pt-lsp server`.

Neovim is a third-party client: it catches what a client written for these tests would not
(its own position encoding, incremental sync, code action menu and edit application).
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

SCRIPT = pathlib.Path(__file__).with_name("neovim_e2e.lua")
NVIM = os.environ.get("PT_LSP_NVIM") or shutil.which("nvim")  # PT_LSP_NVIM: a chosen build
PREFIX = 'label = "中文 😀"; y = '  # wide characters before the flagged code, on its line
BUGGY = f'import torch\n\nx = torch.randn(3, device="cuda")\n# more\n{PREFIX}x.numpy()\n'


@pytest.mark.skipif(NVIM is None, reason="Neovim (`nvim`) is not installed (CI installs Debian's neovim package)")
def test_neovim_shows_the_diagnostic_and_applies_the_fix(tmp_path):
    target = tmp_path / "train.py"
    target.write_text(BUGGY, encoding="utf-8")
    out = tmp_path / "result.json"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "PT_LSP_E2E_OUT": str(out),
        "PT_LSP_E2E_FILE": str(target),
        "PT_LSP_E2E_PYTHON": sys.executable,
    }
    subprocess.run(
        [NVIM, "--headless", "--clean", "-n", "-i", "NONE", "-c", f"luafile {SCRIPT}"],
        env=env,
        timeout=180,
        check=False,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["error"] is None, result["error"]
    [before] = result["before"]
    assert (before["code"], before["source"], before["lnum"]) == ("PTL401", "pt-lsp", 4)
    # Neovim's columns are bytes; the server spoke the negotiated encoding (UTF-16 up to 0.10,
    # UTF-8 from 0.11, which offers it first) and Neovim converted
    assert result["encoding"] == ("utf-16" if tuple(result["version"]) < (0, 11) else "utf-8")
    assert before["col"] == len(PREFIX.encode("utf-8"))
    assert "Disable PTL401 for this line" in result["offered"]
    assert result["lines"][4] == f"{PREFIX}x.cpu().numpy()"
    assert result["lines"][:4] == BUGGY.splitlines()[:4]
    assert result["after"] == []
    assert result["stopped"] is True
