"""``pt-lsp server``: run the language server on stdio (default) or TCP."""

from __future__ import annotations

import argparse
import sys

from . import front

TYPE_CHECKING = False  # typing and logging are imported after initialize is answered (``front``)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, BinaryIO

    from .state import PtLanguageServer

LOG_LEVELS = ("debug", "info", "warning", "error")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="pt-lsp server", description="Run the pt-lsp language server.")
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (the default)")
    transport.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead")
    parser.add_argument("--log-file", metavar="PATH", help="write the server log here (default: stderr)")
    parser.add_argument("--log-level", choices=LOG_LEVELS, default="warning", help="default: warning")
    return parser.parse_args(argv)


def host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"--tcp expects HOST:PORT (e.g. 127.0.0.1:2087), got {value!r}")
    return host or "127.0.0.1", int(port)


def configure_logging(log_file: str | None, level: str) -> None:
    import logging

    # stderr, never stdout: on stdio, stdout is the LSP channel.
    handler = logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def announce_port() -> None:
    """``--tcp HOST:0``: say the port the system chose at every log level (pygls logs it at
    info only), so that a client started beside the server can connect."""
    import logging
    import re

    root_level = logging.getLogger().level
    pygls_log = logging.getLogger("pygls.server")

    def serving(record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Serving on"):  # "Serving on ('127.0.0.1', 40123)": host and port
            where = ", ".join(f"{host}:{port}" for host, port in re.findall(r"\('([^']*)', (\d+)", message))
            print(f"pt-lsp server: listening on {where or message[11:]}", file=sys.stderr, flush=True)
        return record.levelno >= root_level

    pygls_log.setLevel(min(logging.INFO, root_level))
    pygls_log.addFilter(serving)


def main(argv: list[str]) -> int:
    """Run the server until the client says ``exit``; 0 after a ``shutdown``, 1 otherwise."""
    try:
        args = parse_args(argv)
    except SystemExit as exit_:  # argparse has printed the usage
        return 2 if exit_.code else 0
    try:
        address = host_port(args.tcp) if args.tcp else None
        if args.log_file:  # a log file we cannot write is said now, not after initialize
            open(args.log_file, "a", encoding="utf-8").close()
    except (ValueError, OSError) as error:
        print(f"pt-lsp server: {error}", file=sys.stderr)
        return 2

    if address is None:
        return serve_stdio(after_answer=lambda: configure_logging(args.log_file, args.log_level))
    configure_logging(args.log_file, args.log_level)
    server = _create_server()
    announce_port()
    try:
        server.start_tcp(*address)
    except OSError as error:  # the address is not ours, the port is taken, ...
        print(f"pt-lsp server: cannot listen on {args.tcp}: {error.strerror or error}", file=sys.stderr)
        return 2
    return 0 if server.shutdown_received else 1


def _create_server() -> PtLanguageServer:
    import logging

    from .plugins import load_extra_rules
    from .server import create_server

    server = create_server()
    server.startup_problems = load_extra_rules()
    for problem in server.startup_problems:
        logging.getLogger(__name__).error("%s", problem)
    return server


def serve_stdio(
    stdin: BinaryIO | None = None, stdout: BinaryIO | None = None, after_answer: Callable[[], None] | None = None
) -> int:
    """LSP on stdio, with ``initialize`` answered before pygls is imported (``front``);
    ``after_answer`` sets up what can wait (the log)."""
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    raw, initialize = front.read_first(stdin)
    if initialize is not None:
        result = front.initialize_result(initialize["params"])
        stdout.write(front.frame({"jsonrpc": "2.0", "id": initialize["id"], "result": result}))
        stdout.flush()
    if after_answer is not None:
        after_answer()
    try:
        server = _create_server()  # pygls, lsprotocol and the server: about a second
    except ImportError as error:  # an environment without the server's dependencies: one line, not a traceback
        hint = " (pip install pygls)" if (error.name or "").partition(".")[0] in ("pygls", "lsprotocol") else ""
        print(f"pt-lsp server: {error}{hint}", file=sys.stderr)
        return 2
    from .protocol import ResyncingStdin

    if initialize is not None:
        raw = front.replayed(raw, initialize, _refusal)
        stdout = front.AnsweredOnce(stdout, initialize["id"], result)  # type: ignore[assignment]
    server.start_io(stdin=ResyncingStdin(front.Replay(raw, stdin)), stdout=stdout)  # type: ignore[arg-type]
    return 0 if server.shutdown_received else 1


def _refusal(params: dict[str, Any]) -> str | None:
    """Why pygls would refuse these ``initialize`` params (None: it takes them)."""
    from lsprotocol import types
    from pygls.protocol import default_converter

    try:
        default_converter().structure(params, types.InitializeParams)
    except Exception as error:  # cattrs' validation errors, and whatever else structuring raises
        return f"{type(error).__name__}: {next(iter(str(error).splitlines()), '')}"
    return None
