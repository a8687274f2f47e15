"""pygls' protocol with its gaps for hostile input closed.

pygls drops a request whose params do not match the LSP types (it only logs), and ignores
requests after ``shutdown``; either way the client would wait forever. Here both get the
JSON-RPC error response the specification asks for, as does a request before ``initialize``
(``ServerNotInitialized``). A body that is not a JSON-RPC object is logged in one line and
dropped; so is anything a handler raises (pygls would print a traceback for each). A wrong
``Content-Length`` no longer desynchronises the stream for good: ``ResyncingStdin`` finds the
next header.
"""

from __future__ import annotations

import logging
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest, JsonRpcServerNotInitialized
from pygls.protocol import LanguageServerProtocol

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024 * 1024  # a larger Content-Length is a client bug, not a document
_HEADER = b"Content-Length:"
# What the reader hands pygls in place of an oversized body: a notification nobody handles.
_DROPPED = b'{"jsonrpc": "2.0", "method": "$/pt-lsp/dropped", "params": null}'


class OneLineErrors(logging.Filter):
    """pygls logs every malformed message with its traceback (``logger.exception``, or the
    traceback formatted into the message): one line each instead, unless the log is at debug."""

    def filter(self, record: logging.LogRecord) -> bool:
        if logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            return True
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            record.msg, record.args = f"{record.getMessage()}: {type(error).__name__}: {error}", None
            record.exc_info, record.exc_text = None, None
        elif "Traceback (most recent call last)" in (message := record.getMessage()):
            head = message.splitlines()[0]
            trace = message.partition("Traceback (most recent call last)")[2]
            # the last line that says something (an exception group's lines are framed in | and +)
            lines = [line.strip().lstrip("|+ ") for line in trace.splitlines()]
            last = next((line for line in reversed(lines) if line.strip("-+ ")), "")
            record.msg, record.args = f"{head.strip()}: {last}".rstrip(": "), None
        return True


def quiet_pygls_tracebacks() -> None:
    one_line = OneLineErrors()
    for name in list(logging.root.manager.loggerDict):
        if name == "pygls" or name.startswith("pygls."):
            log = logging.getLogger(name)
            if not any(isinstance(f, OneLineErrors) for f in log.filters):
                log.addFilter(one_line)


class ResyncingStdin:
    """stdin for pygls' reader: a header line that does not start at the line's start (the body
    before it was shorter than its ``Content-Length`` said, or longer) is cut to its header, so
    one wrong length costs one message, not every message after it; an absurd length is not
    read into memory."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def readline(self) -> bytes:
        line = self.stream.readline()
        at = line.find(_HEADER)
        return line[at:] if at > 0 else line

    def read(self, size: int) -> bytes:
        if size > MAX_BODY:
            logger.warning("dropped a message of Content-Length %d (at most %d)", size, MAX_BODY)
            return _DROPPED  # what follows is skipped up to the next header by readline
        return self.stream.read(size)


class _Answered:
    """Stands in for a message that was already answered with an error."""


ANSWERED = _Answered()


class PtLspProtocol(LanguageServerProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_seen = False
        quiet_pygls_tracebacks()

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if isinstance(data, dict) and "id" in data and "method" in data:
                logger.warning("malformed %s request answered with %s", data.get("method"), type(error).__name__)
                self._send_response(data["id"], error=error.to_response_error())
                return ANSWERED
            raise

    def _check_handler_result(self, future):
        # pygls files the future of a notification's generator handler (didChange, didOpen, ...)
        # under a fresh id and never removes it: one future per keystroke, kept for the session.
        # Only futures in flight are filed, so the scan is short.
        # Not for a cancelled future: ``shutdown`` cancels them while iterating over the dict.
        # list(): one step under the GIL, where the handlers' threads may file or take futures.
        if not future.cancelled():
            for key, filed in list(self._request_futures.items()):
                if filed is future:
                    self._request_futures.pop(key, None)
        super()._check_handler_result(future)

    def handle_message(self, message):
        if message is ANSWERED:
            return
        if not hasattr(message, "jsonrpc"):  # a list, a number, an object without "jsonrpc"
            logger.warning("ignored a message that is not a JSON-RPC object: %.80r", message)
            if isinstance(message, dict) and isinstance(message.get("id"), (int, str)) and "method" in message:
                error = JsonRpcInvalidRequest(message="not a JSON-RPC 2.0 request")
                self._send_response(message["id"], error=error.to_response_error())
            return
        method = getattr(message, "method", None)
        if self._shutdown and method not in (None, types.EXIT) and hasattr(message, "id"):
            error = JsonRpcInvalidRequest(message="the server is shutting down")
            self._send_response(message.id, error=error.to_response_error())
            return
        if method == types.INITIALIZE:
            self._initialize_seen = True
        elif not self._initialize_seen and method not in (None, types.EXIT):
            if hasattr(message, "id"):  # a request: the specification's answer
                refusal = JsonRpcServerNotInitialized(message="the server is not initialized")
                self._send_response(message.id, error=refusal.to_response_error())
            return  # a notification before initialize is dropped
        try:
            super().handle_message(message)
        except Exception as error:  # a message pygls itself chokes on must not end the loop's turn noisily
            logger.warning("could not handle %s: %s: %s", method or "a message", type(error).__name__, error)
