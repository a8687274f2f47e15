"""The server's first moments on stdio: answer ``initialize`` before pygls is imported.

Importing pygls costs about a second (``lsprotocol.types`` builds hundreds of attrs classes),
and an editor waits for the ``initialize`` answer before it shows anything. So the entry point
reads the first message itself with the standard library, and when it is an ``initialize``
request, answers it at once with ``initialize_result``. Only then are pygls and the server
imported, and the stream is handed to pygls *including that first message*: pygls reads the
same bytes, so client capabilities, settings, workspace folders and the position encoding are
set up exactly as without this module, and every later message is pygls' as before (they wait
in the pipe meanwhile; none is lost). pygls' own answer to the replayed ``initialize`` is
compared with the one sent and dropped.

``initialize_result`` must be what pygls computes from the server's feature table:
``tests/lsp/test_startup_front.py`` compares the two for many client capabilities, and at run
time a difference is logged.
"""

from __future__ import annotations

import json
import re

import pt_lsp

# Nothing but what answering needs is imported before the answer: typing and logging (about
# 30 ms together) are not. mypy reads any ``if TYPE_CHECKING:`` block as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, BinaryIO


def _warn(message: str, *args: object) -> None:
    import logging  # only after the answer, where pygls has imported it

    logging.getLogger(__name__).warning(message, *args)


_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")  # pygls' own header pattern
_HEADER = b"Content-Length:"
_MAX_HEADER_LINES = 16
_MAX_LINE = 4096
_MAX_BODY = 4 * 1024 * 1024  # an initialize this large is left to pygls
_ENCODINGS = ("utf-8", "utf-16", "utf-32")  # the position encodings pygls supports

# The server's capabilities that do not depend on the client; ``capabilities`` adds the rest.
_TEXT_DOCUMENT_SYNC = {"openClose": True, "change": 2, "save": {"includeText": False}}  # 2: incremental
_NOTEBOOK_SYNC = {"notebookSelector": [{"notebook": "*", "cells": [{"language": "python"}]}], "save": True}
_FIXED: dict[str, Any] = {
    "hoverProvider": True,
    "codeActionProvider": {"codeActionKinds": ["quickfix", "source.fixAll.pt-lsp"], "resolveProvider": True},
    "executeCommandProvider": {"commands": ["pt-lsp.applyAutofix", "pt-lsp.showRuleDocumentation"]},
    "diagnosticProvider": {"interFileDependencies": True, "workspaceDiagnostics": False, "identifier": "pt-lsp"},
    "workspace": {"workspaceFolders": {"supported": True, "changeNotifications": True}, "fileOperations": {}},
}


def _get(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def position_encoding(client: dict[str, Any]) -> str:
    """The client's first choice among those pygls supports; UTF-16, LSP's default, otherwise."""
    encodings = _get(client, "general", "positionEncodings")
    if isinstance(encodings, list):
        return next((encoding for encoding in encodings if encoding in _ENCODINGS), "utf-16")
    return "utf-16"


def capabilities(client: dict[str, Any]) -> dict[str, Any]:
    """The server's capabilities for a client's (JSON) capabilities, as pygls computes them."""
    sync = dict(_TEXT_DOCUMENT_SYNC)
    # pygls answers ``false`` for willSave* (no handler) where the client states them, and
    # leaves them out where it does not.
    for key in ("willSave", "willSaveWaitUntil"):
        if _get(client, "textDocument", "synchronization", key) is not None:
            sync[key] = False
    answer: dict[str, Any] = {"positionEncoding": position_encoding(client), "textDocumentSync": sync}
    if client.get("notebookDocument") is not None:  # only to clients that sync notebooks
        answer["notebookDocumentSync"] = _NOTEBOOK_SYNC
    answer.update(_FIXED)
    return answer


def initialize_result(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "capabilities": capabilities(params["capabilities"]),
        "serverInfo": {"name": "pt-lsp", "version": pt_lsp.__version__},
    }


def frame(message: dict[str, Any]) -> bytes:
    """One message as pygls frames it."""
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n%s" % (
        len(body),
        body,
    )


def read_first(stream: BinaryIO) -> tuple[bytes, dict[str, Any] | None]:
    """The first message's bytes as read (headers and body), and the message when it is an
    ``initialize`` request this module can answer; None for anything else (pygls will answer it)."""
    raw = b""
    length = 0
    for _ in range(_MAX_HEADER_LINES):
        line = stream.readline(_MAX_LINE)
        raw += line
        if not line:
            return raw, None
        at = line.find(_HEADER)  # as ResyncingStdin does: a header after stray bytes counts
        line = line[at:] if at > 0 else line
        if not length:
            match = _LENGTH.fullmatch(line)
            length = int(match.group(1)) if match else 0
        elif not line.strip():
            if length > _MAX_BODY:
                return raw, None
            body = stream.read(length)
            raw += body
            return raw, _initialize_request(body)
    return raw, None


def _initialize_request(body: bytes) -> dict[str, Any] | None:
    try:
        message = json.loads(body)
    except (ValueError, RecursionError):  # not JSON (UnicodeDecodeError is a ValueError), or absurdly deep
        return None
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0" or message.get("method") != "initialize":
        return None
    request_id = message.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, (int, str)):
        return None
    params = message.get("params")
    if not isinstance(params, dict) or not isinstance(params.get("capabilities"), dict):
        return None
    return message


class Replay:
    """A stream that yields ``prefix`` and then what is left of ``stream``: pygls reads the
    first message again, byte for byte, as if nobody had read it before."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self.prefix = prefix
        self.stream = stream

    def readline(self, limit: int = -1) -> bytes:
        if not self.prefix:
            return self.stream.readline(limit)
        end = self.prefix.find(b"\n") + 1
        if end:
            line, self.prefix = self.prefix[:end], self.prefix[end:]
            return line
        line, self.prefix = self.prefix, b""  # a line that goes on in the stream
        return line + self.stream.readline()

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            data, self.prefix = self.prefix, b""
            return data + self.stream.read()
        data, self.prefix = self.prefix[:size], self.prefix[size:]
        return data + (self.stream.read(size - len(data)) if len(data) < size else b"")


class AnsweredOnce:
    """stdout for pygls once the front end has answered ``initialize``: pygls' own answer to
    the replayed request is dropped, after a comparison with the one the client has."""

    def __init__(self, stream: BinaryIO, request_id: int | str, sent: dict[str, Any]) -> None:
        self.stream = stream
        self.request_id = request_id
        self.sent: dict[str, Any] | None = sent

    def write(self, data: bytes) -> None:
        if self.sent is not None and self._is_the_answer(data):
            return
        self.stream.write(data)

    def _is_the_answer(self, data: bytes) -> bool:
        try:
            message = json.loads(data.partition(b"\r\n\r\n")[2])
        except ValueError:
            return False
        if not isinstance(message, dict) or "method" in message or message.get("id") != self.request_id:
            return False
        if message.get("result") != self.sent:
            _warn(
                "initialize: the server computed another answer than the one sent at start-up: %.300s",
                json.dumps(message.get("result", message.get("error"))),
            )
        self.sent = None
        return True

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        self.stream.close()


def replayed(raw: bytes, message: dict[str, Any], refusal: Callable[[dict[str, Any]], str | None]) -> bytes:
    """The answered ``initialize`` as pygls is to read it: the bytes as read, unless pygls would
    refuse its params (``refusal`` says why), which would leave the server uninitialized behind
    the client's back. Then what can be kept is kept: the params without the client's
    capabilities, or without anything but the root and the settings."""
    params = message["params"]
    why = refusal(params)
    if why is None:
        return raw
    kept = {key: params[key] for key in ("processId", "rootUri", "rootPath", "initializationOptions") if key in params}
    candidates: list[dict[str, Any]] = [{**params, "capabilities": {}}, {**kept, "capabilities": {}}]
    fallback: dict[str, Any] = next(
        (candidate for candidate in candidates if refusal(candidate) is None), {"capabilities": {}}
    )
    _warn("initialize: the client's params do not match the LSP types (%s); went on without what did not", why)
    return frame({**message, "params": fallback})
