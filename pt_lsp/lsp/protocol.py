"""pygls' protocol with two gaps closed: malformed requests and requests after shutdown.

pygls drops a request whose params do not match the LSP types (it only logs), and ignores
requests after ``shutdown``; either way the client would wait forever. Here both get the
JSON-RPC error response the specification asks for.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol

logger = logging.getLogger(__name__)


class _Answered:
    """Stands in for a message that was already answered with an error."""


ANSWERED = _Answered()


class PtLspProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if isinstance(data, dict) and "id" in data and "method" in data:
                logger.warning("malformed %s request answered with %s", data.get("method"), type(error).__name__)
                self._send_response(data["id"], error=error.to_response_error())
                return ANSWERED
            raise

    def handle_message(self, message):
        if message is ANSWERED:
            return
        method = getattr(message, "method", None)
        if self._shutdown and method not in (None, types.EXIT) and hasattr(message, "id"):
            error = JsonRpcInvalidRequest(message="the server is shutting down")
            self._send_response(message.id, error=error.to_response_error())
            return
        super().handle_message(message)
