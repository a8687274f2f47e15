"""A short soak of the server, in-process over pipes (benchmarks/soak_server.py is the long one,
with memory figures): rapid edits leave no per-edit state behind, and the final diagnostics are
those of the linter for the final text. No timing assertions."""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import random
import sys
import threading
from pathlib import Path

from pt_lsp.core.engine import lint_source
from pt_lsp.lsp.protocol import ResyncingStdin
from pt_lsp.lsp.server import create_server

SOAK = Path(__file__).resolve().parents[2] / "benchmarks" / "soak_server.py"


def _soak_module():
    spec = importlib.util.spec_from_file_location("soak_server_script", SOAK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["soak_server_script"] = module
    spec.loader.exec_module(module)
    return module


def test_rapid_edits_keep_no_futures_and_end_with_the_linters_diagnostics(tmp_path):
    soak = _soak_module()
    server = create_server()
    server_in, client_out = os.pipe()
    client_in, server_out = os.pipe()
    stdin, stdout = os.fdopen(server_in, "rb", buffering=0), os.fdopen(server_out, "wb", buffering=0)
    thread = threading.Thread(target=lambda: server.start_io(stdin=ResyncingStdin(stdin), stdout=stdout), daemon=True)
    thread.start()
    to_server, from_server = os.fdopen(client_out, "wb"), os.fdopen(client_in, "rb")
    inbox: queue.Queue[dict] = queue.Queue()

    def read() -> None:
        while True:
            length = 0
            while (line := from_server.readline()).strip():
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not length:
                return
            inbox.put(json.loads(from_server.read(length)))

    threading.Thread(target=read, daemon=True).start()

    def send(message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        to_server.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        to_server.flush()

    def wait(matches) -> dict:
        while True:
            message = inbox.get(timeout=60)
            if matches(message):
                return message

    send(
        {
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}},
        }
    )
    wait(lambda m: m.get("id") == 1)
    send({"method": "initialized", "params": {}})
    uri = (tmp_path / "soak.py").as_uri()
    text = soak.thousand_lines()
    lines = text.split("\n")
    document = {"uri": uri, "languageId": "python", "version": 0, "text": text}
    send({"method": "textDocument/didOpen", "params": {"textDocument": document}})
    rng = random.Random(5)
    edits = 600
    for version in range(1, edits + 1):
        change, lines = soak.edit(lines, rng)
        send(
            {
                "method": "textDocument/didChange",
                "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            }
        )
    published = wait(
        lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == edits
    )
    got = sorted((d["code"], d["range"]["start"]["line"]) for d in published["params"]["diagnostics"])
    expected = sorted((f.code, f.line - 1) for f in lint_source("\n".join(lines), str(tmp_path / "soak.py")).findings)
    assert got == expected and got  # the server saw exactly the final text, and it has findings
    # pygls filed each notification's future and kept it: 600 edits, 600 futures for good
    assert len(server.protocol._request_futures) <= 2
    send({"id": 2, "method": "shutdown"})
    wait(lambda m: m.get("id") == 2)
    send({"method": "exit"})
    thread.join(timeout=30)
    assert not thread.is_alive()
