"""A client that breaks every rule, over raw stdio (``python -m pt_lsp server``): the server answers
what it must, never prints a traceback, and stays responsive (issue 16)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

TEXT = "import torch\n\nx = torch.zeros(3)\ny = x.data\n"
PTL102_LINE = 3  # 0-based line of `x.data`


class RawClient:
    """JSON-RPC over the server's stdin/stdout, byte for byte: nothing validates what it sends."""

    def __init__(self, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pt_lsp", "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
        self.inbox: queue.Queue[dict] = queue.Queue()
        self.stderr_chunks: list[bytes] = []
        self.next_id = 100  # above the ids the malformed bodies use
        self.received: list[dict] = []  # every message, for answers that came while waiting on another
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if not line.strip():
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None, "the server sent a message without Content-Length"
            self.inbox.put(json.loads(out.read(length)))

    def _read_stderr(self) -> None:
        err = self.proc.stderr
        assert err is not None
        for chunk in iter(lambda: err.read1(4096), b""):
            self.stderr_chunks.append(chunk)

    @property
    def stderr(self) -> str:
        return b"".join(self.stderr_chunks).decode(errors="replace")

    def raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def frame(self, body: bytes) -> None:
        self.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def send(self, message: dict) -> None:
        self.frame(json.dumps(message).encode())

    def request(self, method: str, params: object = None) -> int:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id

    def notify(self, method: str, params: object = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, matches, timeout: float = 30, earlier: bool = False) -> dict:
        """The next message that ``matches`` (``earlier``: or one already received)."""
        if earlier:
            for message in self.received:
                if matches(message):
                    return message
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = self.inbox.get(timeout=0.1)
            except queue.Empty:
                continue
            self.received.append(message)
            if matches(message):
                return message
        raise AssertionError(f"no such message within {timeout}s; server stderr:\n{self.stderr[-3000:]}")

    def response(self, request_id: int, timeout: float = 30) -> dict:
        return self.wait(lambda m: m.get("id") == request_id and "method" not in m, timeout, earlier=True)

    def initialize(self, root: Path, configuration: bool = False) -> None:
        capabilities = {"workspace": {"configuration": True}} if configuration else {}
        params = {"processId": None, "rootUri": root.as_uri(), "capabilities": capabilities}
        assert "result" in self.response(self.request("initialize", params))
        self.notify("initialized", {})

    def open(self, uri: str, text: str = TEXT, version: int = 1) -> None:
        document = {"uri": uri, "languageId": "python", "version": version, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": document})

    def diagnostics(self, uri: str, version: int | None = None) -> list[dict]:
        def published(m: dict) -> bool:
            if m.get("method") != "textDocument/publishDiagnostics" or m["params"]["uri"] != uri:
                return False
            return version is None or m["params"].get("version") == version

        return self.wait(published)["params"]["diagnostics"]

    def assert_responsive(self, uri: str) -> None:
        """A hover on the `.data` finding is answered with its rule."""
        position = {"line": PTL102_LINE, "character": 6}
        answer = self.response(self.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": position}))
        assert "PTL102" in json.dumps(answer.get("result")), answer

    def shutdown(self) -> int:
        assert self.response(self.request("shutdown")).get("error") is None
        self.notify("exit")
        return self.proc.wait(timeout=30)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def client(tmp_path):
    raw = RawClient(tmp_path)
    yield raw
    raw.close()


def assert_no_traceback(client: RawClient) -> None:
    time.sleep(0.2)  # the last stderr lines
    assert "Traceback" not in client.stderr, client.stderr
    assert all(line.startswith("20") for line in client.stderr.splitlines()), client.stderr  # log lines only


def test_a_request_before_initialize_is_refused_and_initialize_still_works(client, tmp_path):
    position = {"line": 0, "character": 0}
    early = client.request("textDocument/hover", {"textDocument": {"uri": "file:///a.py"}, "position": position})
    assert client.response(early)["error"]["code"] == -32002  # ServerNotInitialized
    client.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///a.py"}})  # dropped
    client.initialize(tmp_path)
    uri = (tmp_path / "t.py").as_uri()
    client.open(uri)
    assert [d["code"] for d in client.diagnostics(uri)] == ["PTL102"]
    assert client.shutdown() == 0
    assert_no_traceback(client)


MALFORMED_BODIES = [
    b"{",
    b"[]",
    b"[1, 2]",
    b"null",
    b"1",
    b'"text"',
    b"{}",
    b"\xff\xfe",
    b'{"jsonrpc": "2.0"}',
    b'{"jsonrpc": "2.0", "id": 1}',
    b'{"jsonrpc": "2.0", "method": 5}',
    b'{"jsonrpc": "2.0", "id": {}, "method": "x"}',
    b'{"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params": 5}',
    b'{"jsonrpc": "1.0", "id": 8, "method": "initialize"}',
    b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": 5}}',
    b'{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {}}',
    b'{"jsonrpc": "2.0", "id": 9, "result": 5}',
    b'{"jsonrpc": "2.0", "id": 10, "error": {}}',
    b'{"jsonrpc": "2.0", "id": 11, "method": "workspace/executeCommand", "params": {"command": "nope"}}',
    b'{"jsonrpc": "2.0", "method": "textDocument/hover", "params": {"position": {"line": -1}}}',
    b'{"id": 12, "method": "textDocument/hover"}',
]


def test_malformed_bodies_are_logged_in_one_line_and_the_server_goes_on(client, tmp_path):
    client.initialize(tmp_path)
    uri = (tmp_path / "t.py").as_uri()
    client.open(uri)
    client.diagnostics(uri)
    for body in MALFORMED_BODIES:
        client.frame(body)
    client.assert_responsive(uri)
    # requests that can be answered are: a malformed hover, a bad command, an object without "jsonrpc"
    for request_id in (7, 11, 12):
        assert "error" in client.response(request_id)
    assert client.shutdown() == 0
    assert_no_traceback(client)
    assert client.stderr.count("\n") >= len(MALFORMED_BODIES) // 2  # each was logged, in a line


@pytest.mark.parametrize(
    "frame",
    [
        b"Content-Length: abc\r\n\r\n{}",  # not a number
        b"Content-Length: 3\r\n\r\n{}",  # longer than the body: it eats the next header's first byte
        b'Content-Length: 2\r\n\r\n{"jsonrpc": "2.0"}',  # shorter than the body
        b"Content-Type: application/json\r\n\r\n{}",  # no length at all
        b"Content-Length: 99999999999\r\n\r\n{}",  # absurd: must not be read into memory
    ],
)
def test_a_wrong_content_length_costs_one_message_not_the_session(client, tmp_path, frame):
    client.initialize(tmp_path)
    uri = (tmp_path / "t.py").as_uri()
    client.open(uri)
    client.diagnostics(uri)
    client.raw(frame)
    client.notify("$/setTrace", {"value": "off"})  # may be lost with the broken frame
    client.assert_responsive(uri)
    assert client.shutdown() == 0
    assert_no_traceback(client)


def test_unknown_methods_bad_edits_and_cancellations(client, tmp_path):
    client.initialize(tmp_path)
    assert client.response(client.request("pt-lsp/nonsense", {}))["error"]["code"] == -32601
    client.notify("pt-lsp/nonsense", {})  # an unknown notification is ignored
    uri = (tmp_path / "t.py").as_uri()
    # edits of a document that was never opened
    changes = [{"text": "x = 1\n"}]
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": changes})
    client.notify("textDocument/didClose", {"textDocument": {"uri": (tmp_path / "never.py").as_uri()}})
    client.open(uri)
    client.diagnostics(uri, 1)
    # ranges past the end, reversed, negative; versions going backwards
    far = {"start": {"line": 50, "character": 0}, "end": {"line": 60, "character": 99}}
    reversed_range = {"start": {"line": 3, "character": 90}, "end": {"line": 1, "character": 0}}
    negative = {"start": {"line": -1, "character": -3}, "end": {"line": 0, "character": 0}}
    for version, change_range in ((5, far), (3, reversed_range), (-2, negative)):
        changes = [{"range": change_range, "text": "# edit\n"}]
        client.notify(
            "textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}
        )
    # cancellations of unknown, finished and malformed ids
    for params in ({"id": 999}, {"id": "zz"}, {"id": None}, 5, None):
        client.notify("$/cancelRequest", params)
    # the whole text replaced: the server must end up with exactly this document
    client.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 9}, "contentChanges": [{"text": TEXT}]}
    )
    assert [d["code"] for d in client.diagnostics(uri, 9)] == ["PTL102"]
    client.assert_responsive(uri)
    assert client.shutdown() == 0
    assert_no_traceback(client)


@pytest.mark.parametrize(
    "answer", [5, "x", None, [5], [{"select": 5, "ignore": {"a": 1}, "debounceMs": "fast"}], "error"]
)
def test_workspace_configuration_answered_with_garbage(client, tmp_path, answer):
    client.initialize(tmp_path, configuration=True)
    uri = (tmp_path / "t.py").as_uri()
    client.open(uri)
    client.notify("workspace/didChangeConfiguration", {"settings": None})
    asked = client.wait(lambda m: m.get("method") == "workspace/configuration", timeout=30)
    if answer == "error":
        client.send({"jsonrpc": "2.0", "id": asked["id"], "error": {"code": -32603, "message": "no"}})
    else:
        client.send({"jsonrpc": "2.0", "id": asked["id"], "result": answer})
    # the server goes on with the settings it had (or the defaults): the finding is still reported
    client.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": TEXT}]}
    )
    assert [d["code"] for d in client.diagnostics(uri, 2)] == ["PTL102"]
    client.assert_responsive(uri)
    assert client.shutdown() == 0
    assert_no_traceback(client)


def test_exit_without_shutdown_ends_the_server_with_status_1(client, tmp_path):
    client.initialize(tmp_path)
    client.open((tmp_path / "t.py").as_uri())
    client.notify("exit")
    assert client.proc.wait(timeout=30) == 1
    assert_no_traceback(client)


def test_stdin_closed_ends_the_server_quietly(client, tmp_path):
    client.initialize(tmp_path)
    uri = (tmp_path / "t.py").as_uri()
    client.open(uri)
    client.diagnostics(uri)
    assert client.proc.stdin is not None
    client.proc.stdin.close()
    assert client.proc.wait(timeout=30) in (0, 1)
    assert_no_traceback(client)
