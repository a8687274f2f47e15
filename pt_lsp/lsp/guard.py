"""Crash containment for handlers: a bug in one request must not take the server down."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any

from pygls.exceptions import JsonRpcException

logger = logging.getLogger(__name__)


def guarded(fallback: Callable[..., Any] = lambda *params: None):
    """Log a handler's exception (server log + ``window/logMessage``) and answer
    ``fallback(*params)``.

    The wrapper keeps the handler's signature (``functools.wraps``), so pygls still passes the
    server as ``ls``; cancellation is not an error and passes through, and an error the client
    answered a request of ours with (``workspace/configuration``) is logged in one line.
    """

    def decorate(handler):
        if asyncio.iscoroutinefunction(handler):

            @functools.wraps(handler)
            async def async_wrapper(ls, *args):
                try:
                    return await handler(ls, *args)
                except asyncio.CancelledError:
                    raise
                except JsonRpcException as error:  # the client answered our request with an error: not our bug
                    logger.warning("%s: the client answered with an error: %s", handler.__name__, error)
                    return fallback(*args)
                except Exception as error:
                    ls.internal_error(handler.__name__, error)
                    return fallback(*args)

            return async_wrapper

        @functools.wraps(handler)
        def wrapper(ls, *args):
            try:
                return handler(ls, *args)
            except Exception as error:
                ls.internal_error(handler.__name__, error)
                return fallback(*args)

        return wrapper

    return decorate
