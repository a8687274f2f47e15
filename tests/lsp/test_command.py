"""`pt-lsp server` options: stdio by default, --tcp, --log-file, --log-level, bad arguments."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

import pytest
from lsp_editor import Editor
from lsp_session import make_client, server_env
from lsprotocol import types
from pytest_lsp import client_capabilities

MODULE = [sys.executable, "-m", "pt_lsp.lsp"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MODULE, *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False
    )


@pytest.mark.parametrize("args", [["--tcp", "nowhere"], ["--tcp", "localhost:99999"], ["--log-level", "chatty"]])
def test_bad_arguments_exit_2_with_a_message(args):
    result = run(*args)
    assert result.returncode == 2
    assert "pt-lsp server" in result.stderr


def test_help_lists_the_options():
    result = run("--help")
    assert result.returncode == 0
    for option in ("--stdio", "--tcp", "--log-file", "--log-level"):
        assert option in result.stdout


def test_log_file_receives_the_log(tmp_path):
    log = tmp_path / "server.log"
    # stdin at EOF: the client is gone before it said anything, so exit code 1
    result = run("--stdio", "--log-file", str(log), "--log-level", "debug")
    assert result.returncode == 1
    assert result.stdout == ""  # stdout is the LSP channel: nothing else may go there
    assert "Starting async IO server" in log.read_text()


@pytest.mark.asyncio
async def test_tcp_transport(tmp_path):
    server = await asyncio.create_subprocess_exec(
        *MODULE, "--tcp", "127.0.0.1:0", "--log-level", "info", stderr=asyncio.subprocess.PIPE, env=server_env()
    )
    try:
        port = None
        while port is None:  # pygls logs the address it listens on
            line = (await asyncio.wait_for(server.stderr.readline(), 30)).decode()
            assert line, "the server exited before listening"
            match = re.search(r"Serving on \('127\.0\.0\.1', (\d+)\)", line)
            port = int(match.group(1)) if match else None
        client = make_client()
        await client.start_tcp("127.0.0.1", port)
        result = await client.initialize_session(
            types.InitializeParams(capabilities=client_capabilities("visual-studio-code"), root_uri=tmp_path.as_uri())
        )
        ed = Editor(client, tmp_path, result)
        assert [d.code for d in await ed.diagnostics(ed.open("legacy_api(1)\n"))] == ["PTL901"]
        await client.shutdown_async(None)
        client.exit(None)
        assert await asyncio.wait_for(server.wait(), 30) == 0
        await client.stop()
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()


def test_pt_lsp_server_is_this_command():
    result = subprocess.run(
        [sys.executable, "-m", "pt_lsp", "server", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0
    assert "usage: pt-lsp server" in result.stdout and "--tcp HOST:PORT" in result.stdout
