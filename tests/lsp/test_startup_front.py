"""The server answers ``initialize`` before pygls is imported (``pt_lsp.lsp.front``, issue 14).

The early answer must be the one pygls computes from the server's feature table, for every
client: compared here on the recorded editor profiles and on each client capability pygls
reads. Over raw stdio, the session behind the early answer is pygls' as before: one answer to
``initialize``, and every message sent while pygls loads is handled, each request answered once.
"""

from __future__ import annotations

import copy
import io
import json
import os
import pathlib
import subprocess
import sys
import time

import pytest
import pytest_lsp
from test_abuse import PTL102_LINE, RawClient

from pt_lsp.lsp import front
from pt_lsp.lsp.server import create_server

PROFILES = sorted((pathlib.Path(pytest_lsp.__file__).parent / "clients").glob("*.json"))


class Captured:
    def __init__(self) -> None:
        self.messages: list[dict] = []

    def write(self, data: bytes) -> None:
        self.messages.append(json.loads(data.partition(b"\r\n\r\n")[2]))

    def close(self) -> None:
        pass


def pygls_answer(params: dict) -> dict:
    """What pygls answers to ``initialize`` with these params, through the server's own protocol."""
    server = create_server()
    writer = Captured()
    server.protocol.set_writer(writer)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params})
    server.protocol.handle_message(json.loads(body, object_hook=server.protocol.structure_message))
    (answer,) = [message for message in writer.messages if message.get("id") == 1]
    return answer["result"]


def variants() -> list[dict]:
    """Client capabilities that change pygls' answer, each on its own and together."""
    sync = {"willSave": True, "willSaveWaitUntil": False, "didSave": True}
    return [
        {},
        {"general": None, "textDocument": None, "notebookDocument": None},
        {"general": {"positionEncodings": ["utf-8", "utf-16"]}},
        {"general": {"positionEncodings": ["utf-32"]}},
        {"general": {"positionEncodings": ["latin-1", "utf-8"]}},
        {"general": {"positionEncodings": ["latin-1"]}},
        {"general": {"positionEncodings": []}},
        {"general": {}},
        {"textDocument": {"synchronization": sync}},
        {"textDocument": {"synchronization": {"willSave": False}}},
        {"textDocument": {"synchronization": {}}},
        {"notebookDocument": {"synchronization": {"dynamicRegistration": False}}},
        {"textDocument": {"rename": {"prepareSupport": True}}, "window": {"workDoneProgress": True}},
        {"workspace": {"fileOperations": dict.fromkeys(["didCreate", "willCreate", "didRename", "didDelete"], True)}},
        {
            "general": {"positionEncodings": ["utf-16"]},
            "textDocument": {"synchronization": sync},
            "notebookDocument": {"synchronization": {}},
        },
    ]


@pytest.mark.parametrize("profile", PROFILES, ids=lambda path: path.stem)
def test_the_early_answer_is_pygls_answer_for_each_recorded_editor(profile):
    params = {"processId": 42, "rootUri": None, **json.loads(profile.read_text(encoding="utf-8"))}
    with_notebooks = copy.deepcopy(params)
    with_notebooks["capabilities"]["notebookDocument"] = {"synchronization": {"dynamicRegistration": False}}
    for case in (params, with_notebooks):
        assert front.initialize_result(case) == pygls_answer(case)


@pytest.mark.parametrize("capabilities", variants(), ids=lambda caps: json.dumps(caps)[:60])
def test_the_early_answer_is_pygls_answer_for_each_capability_pygls_reads(capabilities):
    params = {"processId": None, "rootUri": None, "capabilities": capabilities}
    assert front.initialize_result(params) == pygls_answer(params)


def test_the_early_answer_names_what_the_server_declares():
    # the comparison above would pass if both sides lost a feature: the features themselves
    result = front.initialize_result({"capabilities": {"notebookDocument": {"synchronization": {}}}})
    caps = result["capabilities"]
    assert caps["diagnosticProvider"]["identifier"] == "pt-lsp"
    assert caps["notebookDocumentSync"]["notebookSelector"][0]["cells"] == [{"language": "python"}]
    assert set(caps["executeCommandProvider"]["commands"]) == {"pt-lsp.applyAutofix", "pt-lsp.showRuleDocumentation"}
    assert result["serverInfo"]["name"] == "pt-lsp"


def framed(message: dict, stray: bytes = b"") -> bytes:
    body = json.dumps(message).encode()
    return stray + b"Content-Length: %d\r\n\r\n" % len(body) + body


INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}


def test_the_first_message_is_read_whole_and_replayed_byte_for_byte():
    later = framed({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    stream = io.BytesIO(framed(INITIALIZE, stray=b"junk") + later)
    raw, message = front.read_first(stream)
    assert message == INITIALIZE
    assert raw == framed(INITIALIZE, stray=b"junk")
    replay = front.Replay(raw, stream)
    assert replay.readline() == b"junkContent-Length: %d\r\n" % len(json.dumps(INITIALIZE))
    assert replay.readline() == b"\r\n"
    assert json.loads(replay.read(len(json.dumps(INITIALIZE)))) == INITIALIZE
    assert replay.read(-1) == later


def test_a_line_cut_by_the_front_end_goes_on_in_the_stream():
    replay = front.Replay(b"Content-Le", io.BytesIO(b"ngth: 5\r\n\r\nhello"))
    assert replay.readline() == b"Content-Length: 5\r\n"
    assert replay.readline() == b"\r\n"
    assert replay.read(5) == b"hello"


@pytest.mark.parametrize(
    "first",
    [
        {"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {}},
        {"jsonrpc": "2.0", "method": "initialize", "params": {"capabilities": {}}},  # a notification
        {"jsonrpc": "1.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
        {"jsonrpc": "2.0", "id": True, "method": "initialize", "params": {"capabilities": {}}},
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": 5}},
        {"jsonrpc": "2.0", "id": 1, "method": "initialize"},
    ],
)
def test_anything_but_an_initialize_request_is_left_to_pygls(first):
    raw, message = front.read_first(io.BytesIO(framed(first)))
    assert message is None
    assert raw == framed(first)


def test_a_body_that_is_not_json_is_left_to_pygls():
    for body in (b"{", b"\xff\xfe", b"[" * 100_000):
        data = b"Content-Length: %d\r\n\r\n" % len(body) + body
        assert front.read_first(io.BytesIO(data)) == (data, None)


def test_params_pygls_would_refuse_are_replayed_without_what_it_refuses():
    from pt_lsp.lsp.command import _refusal

    params = {"processId": 7, "rootUri": "file:///w", "capabilities": {"notebookDocument": {}}}
    message = {**INITIALIZE, "params": params}
    replayed = json.loads(front.replayed(framed(message), message, _refusal).partition(b"\r\n\r\n")[2])
    assert replayed["params"] == {"processId": 7, "rootUri": "file:///w", "capabilities": {}}
    assert _refusal(replayed["params"]) is None
    assert front.replayed(framed(INITIALIZE), INITIALIZE, _refusal) == framed(INITIALIZE)  # valid: as read


def test_pygls_answer_to_the_replayed_initialize_is_dropped_once():
    out = io.BytesIO()
    writer = front.AnsweredOnce(out, 1, {"capabilities": {}})
    log = front.frame({"jsonrpc": "2.0", "method": "window/logMessage", "params": {"type": 3, "message": "m"}})
    answer = front.frame({"jsonrpc": "2.0", "id": 1, "result": {"capabilities": {}}})
    writer.write(log)
    writer.write(answer)
    writer.write(answer)  # a later message with the same id is the client's business
    assert out.getvalue() == log + answer


def test_a_different_answer_from_pygls_is_logged(caplog):
    writer = front.AnsweredOnce(io.BytesIO(), "a", {"capabilities": {"hoverProvider": True}})
    writer.write(front.frame({"jsonrpc": "2.0", "id": "a", "result": {"capabilities": {}}}))
    assert "another answer" in caplog.text


# -- over stdio ---------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path):
    raw = RawClient(tmp_path)
    yield raw
    raw.close()


TEXT = "import torch\n\nx = torch.zeros(3)\ny = x.data\n"


def test_everything_sent_while_pygls_loads_is_answered_once(client, tmp_path):
    """initialize, initialized, didOpen, pull diagnostics, code actions, hover and shutdown, all
    written before the server could have loaded pygls: each request gets exactly one answer."""
    uri = (tmp_path / "t.py").as_uri()
    document = {"uri": uri, "languageId": "python", "version": 1, "text": TEXT}
    where = {"start": {"line": PTL102_LINE, "character": 0}, "end": {"line": PTL102_LINE, "character": 9}}
    options = {"unsafeFixes": True}  # PTL102's fix is unsafe: fix-all offers it with this setting
    params = {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}, "initializationOptions": options}
    client.send({**INITIALIZE, "params": params})
    client.notify("initialized", {})
    client.notify("textDocument/didOpen", {"textDocument": document})
    pull = client.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": where, "context": {"diagnostics": [], "only": ["source.fixAll"]}},
    )
    hover = client.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": PTL102_LINE, "character": 6}}
    )
    shutdown = client.request("shutdown")
    client.notify("exit")
    assert client.proc.wait(timeout=60) == 0
    client.wait(lambda m: m.get("id") == shutdown)  # everything before it has been read too
    answers = [m["id"] for m in client.received if "method" not in m]
    # one answer each, initialize's first (LSP leaves the order of the others to the server)
    assert answers[0] == 1 and sorted(answers) == sorted([1, pull, actions, hover, shutdown]), (answers, client.stderr)
    by_id = {m["id"]: m for m in client.received if "method" not in m}
    assert by_id[1]["result"]["capabilities"]["diagnosticProvider"]["identifier"] == "pt-lsp"
    assert [d["code"] for d in by_id[pull]["result"]["items"]] == ["PTL102"]
    assert [action["kind"] for action in by_id[actions]["result"]] == ["source.fixAll.pt-lsp"]
    assert "PTL102" in json.dumps(by_id[hover]["result"])
    assert "Traceback" not in client.stderr
    assert "another answer" not in client.stderr  # pygls computed what the front end had sent


def test_a_notebook_opened_before_pygls_is_ready_gets_its_diagnostics(client, tmp_path):
    notebook = (tmp_path / "n.ipynb").as_uri()
    cell = notebook + "#cell1"
    caps = {"notebookDocument": {"synchronization": {"dynamicRegistration": False}}}
    client.send({**INITIALIZE, "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": caps}})
    client.notify("initialized", {})
    client.notify(
        "notebookDocument/didOpen",
        {
            "notebookDocument": {
                "uri": notebook,
                "notebookType": "jupyter-notebook",
                "version": 1,
                "cells": [{"kind": 2, "document": cell}],
            },
            "cellTextDocuments": [{"uri": cell, "languageId": "python", "version": 1, "text": TEXT}],
        },
    )
    answer = client.response(1)
    assert "notebookDocumentSync" in answer["result"]["capabilities"]
    assert [d["code"] for d in client.diagnostics(cell)] == ["PTL102"]
    assert client.shutdown() == 0
    time.sleep(0.2)  # the last stderr lines
    assert "another answer" not in client.stderr


def test_initialize_params_pygls_refuses_still_give_a_working_session(client, tmp_path):
    params = {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {"general": {"positionEncodings": 5}}}
    client.send({**INITIALIZE, "params": params})
    assert "result" in client.response(1)
    client.notify("initialized", {})
    uri = (tmp_path / "t.py").as_uri()
    client.open(uri)
    assert [d["code"] for d in client.diagnostics(uri)] == ["PTL102"]
    client.assert_responsive(uri)
    assert client.shutdown() == 0
    time.sleep(0.2)
    assert "do not match the LSP types" in client.stderr
    assert "Traceback" not in client.stderr


def test_initialize_is_answered_before_pygls_is_imported(tmp_path):
    """The answer comes from a process that has not imported pygls, lsprotocol, asyncio, the
    rules or torch yet: each write records which of them are loaded at that moment."""
    log = tmp_path / "server.log"
    code = (
        "import sys, pt_lsp.lsp.command as c\n"
        "HEAVY = ('pygls', 'lsprotocol', 'cattrs', 'attrs', 'torch', 'asyncio')\n"
        "c.configure_logging(None, 'warning')\n"
        "real = sys.stdout.buffer\n"
        "class Out:\n"
        "    def write(self, data):\n"
        f"        open({str(log)!r}, 'a').write(repr(sorted(m for m in sys.modules if m.split('.')[0] in HEAVY or m.startswith(('pt_lsp.core', 'pt_lsp.rules')))) + '\\n')\n"
        "        return real.write(data)\n"
        "    def flush(self): real.flush()\n"
        "    def close(self): real.close()\n"
        "sys.exit(c.serve_stdio(sys.stdin.buffer, Out()))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(framed(INITIALIZE) + framed({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
    proc.stdin.write(framed({"jsonrpc": "2.0", "method": "exit"}))
    proc.stdin.close()
    out = proc.stdout.read() if proc.stdout else b""
    assert proc.wait(timeout=60) == 0
    first, *later = log.read_text().splitlines()
    assert first == "[]", first  # the initialize answer: nothing of pygls, asyncio, the rules or torch loaded
    assert later and all("pygls" in line for line in later)
    assert out.count(b'"id": 1') == 1 and b'"id": 2' in out


def test_a_server_without_pygls_says_so_in_one_line_after_answering(tmp_path):
    """pygls is imported after the answer: its absence is one line on stderr and exit 2."""
    (tmp_path / "pygls").mkdir()
    (tmp_path / "pygls" / "__init__.py").write_text("raise ImportError('no pygls here', name='pygls')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(
        [sys.executable, "-m", "pt_lsp", "server"],
        input=framed(INITIALIZE),
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert run.returncode == 2
    assert b'"id": 1' in run.stdout  # answered before pygls was needed
    assert run.stderr.decode().strip() == "pt-lsp server: no pygls here (pip install pygls)"
