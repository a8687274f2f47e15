"""pt-lsp server speed: didChange -> publishDiagnostics latency, and start-up time.

    python benchmarks/bench_lsp.py [--edits 50] [--starts 5] [--file PATH] [--starts-only] [--baseline DIR]

Drives the real server (`pt-lsp server`) over stdio with pygls' client. The document is the
installed torch's `torch/nn/modules/module.py` (about 3,000 lines; found without importing
torch). Each edit types "#" on a blank line and waits for the diagnostics of exactly that
version; the debounce is 0, so the numbers are the server's own work (parse, rules, conversion,
JSON, pipe). Before each edit, one `ast.parse` and one core `lint_source` of the same text are
timed in this process: the yardsticks, taken under the same machine load as the server.
Both lint placements are measured: in a worker thread (the default) and in the event loop.
Typing inside one function (`--functions`): a comment line added above one of its statements per
edit, the server with per-function incremental lints (PT_LSP_INCREMENTAL=1) and without, side by
side, with the core's own whole-file and incremental lint of each version timed in this process.
Start-up: process start -> `initialize` reply over a plain stdio client, next to `python -c pass`.
With `--baseline DIR` (a checkout of another commit, e.g. `git worktree add DIR <commit>`), the
starts alternate between this checkout's server and that one's, so both see the same load.

Targets (issue 4): p50 within 3x one ast.parse, p95 under 100 ms; initialize under 0.3 s (issue 14).
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import dataclasses
import functools
import importlib.util
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

from lsprotocol import types
from pygls.lsp.client import LanguageClient

SERVER = [sys.executable, "-m", "pt_lsp", "server"]  # what editors run: `pt-lsp server`


def module_py() -> pathlib.Path:
    spec = importlib.util.find_spec("torch")  # locates the package without importing it
    if spec is None or spec.origin is None:
        raise SystemExit("torch is not installed here: pass --file PATH")
    return pathlib.Path(spec.origin).parent / "nn" / "modules" / "module.py"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


BARE = [sys.executable, "-c", "pass"]  # what any Python program pays to start


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("pt-lsp-bench", "1")
        self.waiting: dict[tuple[str, int], asyncio.Future] = {}
        self.logs: list[str] = []

        @self.feature(types.WINDOW_LOG_MESSAGE)
        def logged(params: types.LogMessageParams) -> None:
            self.logs.append(params.message)

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            future = self.waiting.pop((params.uri, params.version), None)
            if future is not None and not future.done():
                future.set_result(params)


async def start(options: dict, incremental: bool = False) -> tuple[Client, float]:
    client = Client()
    began = time.perf_counter()
    await client.start_io(*SERVER, env={**os.environ, "PT_LSP_INCREMENTAL": "1" if incremental else "0"})
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options=options)
    )
    elapsed = time.perf_counter() - began
    client.initialized(types.InitializedParams())
    return client, elapsed


async def stop(client: Client) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream) -> dict:
    length = 0
    while (line := stream.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(stream.read(length))


def initialize_time(checkout: str | None = None) -> float:
    """Process start -> the bytes of the initialize reply, with a plain stdio client (pygls'
    client would add its own event loop and the structuring of the reply). ``checkout``: run
    that checkout's server (python -m puts the working directory first on sys.path)."""
    where = {"env": {**os.environ, "PYTHONPATH": checkout}, "cwd": checkout} if checkout else {}
    began = time.perf_counter()
    server = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, **where)
    assert server.stdin is not None and server.stdout is not None
    params = {"processId": None, "rootUri": None, "capabilities": {}}
    server.stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}))
    server.stdin.flush()
    assert "result" in read_message(server.stdout)
    elapsed = time.perf_counter() - began
    # the whole session still works: shutdown is answered once the server is fully loaded
    server.stdin.write(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
    server.stdin.flush()
    while read_message(server.stdout).get("id") != 2:
        pass
    server.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
    server.stdin.close()
    assert server.wait(60) == 0
    return elapsed


def startup_times(count: int, baseline: str | None = None) -> tuple[list[float], list[float], list[float]]:
    """Process start -> initialize reply, each next to one run of the import floor (and one
    start of the baseline's server)."""
    starts, floors, baselines = [], [], []
    for _ in range(count):
        floors.append(timed(lambda: subprocess.run(BARE, check=True)))
        starts.append(initialize_time())
        if baseline:
            baselines.append(initialize_time(baseline))
    return starts, floors, baselines


def spread(values: list[float]) -> str:
    ms = [value * 1000 for value in values]
    return f"best {min(ms):.0f} ms, median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms"


@dataclasses.dataclass
class Samples:
    """Per edit: the latency, and (just before it, in this process) one ast.parse and one core
    lint of the same text, so that a busy machine slows the yardsticks as much as the server."""

    latency: list[float] = dataclasses.field(default_factory=list)
    parse: list[float] = dataclasses.field(default_factory=list)
    lint: list[float] = dataclasses.field(default_factory=list)
    codes: list[str] = dataclasses.field(default_factory=list)


def timed(job) -> float:
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


async def edit_latencies(text: str, edits: int, in_thread: bool) -> Samples:
    from pt_lsp.core.engine import lint_source

    client, _ = await start({"debounce": 0, "lintInThread": in_thread})
    uri = (pathlib.Path(tempfile.gettempdir()) / "pt_lsp_bench" / "module.py").as_uri()
    loop = asyncio.get_running_loop()

    def expect(version: int) -> asyncio.Future:
        future = loop.create_future()
        client.waiting[(uri, version)] = future
        return future

    opened = expect(1)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    first = await asyncio.wait_for(opened, 60)
    # Each edit types "#" on a different blank line, spread over the file: a comment is valid
    # anywhere (even inside a string), so every version parses and every rule really runs.
    blank = [index for index, line in enumerate(text.split("\n")) if not line.strip()]
    targets = [blank[(k * len(blank)) // edits] for k in range(edits)]
    samples = Samples()
    for version, line in enumerate(targets, start=2):
        samples.parse.append(timed(lambda: ast.parse(text)))
        samples.lint.append(timed(lambda: lint_source(text, "module.py")))
        position = types.Position(line=line, character=0)
        done = expect(version)
        began = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=types.Range(start=position, end=position), text="#")
                ],
            )
        )
        published = await asyncio.wait_for(done, 60)
        samples.latency.append(time.perf_counter() - began)
    await stop(client)
    for message in dict.fromkeys(client.logs):  # e.g. a rule that crashed on this file
        print(f"  server log: {message}")
    samples.codes = sorted({str(d.code) for d in first.diagnostics} | {str(d.code) for d in published.diagnostics})
    return samples


def statement_lines(text: str, function: str) -> list[int]:
    """0-based lines where a statement of ``function`` (a top-level def or a method) starts: a
    comment line typed above one keeps the file parsing, and the edit inside that function."""
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function:
            return sorted({s.lineno - 1 for s in ast.walk(node) if isinstance(s, ast.stmt) and s is not node})
    raise SystemExit(f"no function {function}")


async def function_edit_latencies(text: str, edits: int, function: str, incremental: bool) -> Samples:
    """Typing inside one function: each edit adds a comment line above one of its statements."""
    from pt_lsp.core.engine import lint_source, selected_rules
    from pt_lsp.core.incremental import IncrementalLinter
    from pt_lsp.core.selection import Selection

    client, _ = await start({"debounce": 0}, incremental)
    uri = (pathlib.Path(tempfile.gettempdir()) / "pt_lsp_bench" / "module.py").as_uri()
    loop = asyncio.get_running_loop()
    memo, selection = IncrementalLinter(), Selection()
    rules = selected_rules(selection)
    memo.lint(text, "module.py", selection, rules)

    def expect(version: int) -> asyncio.Future:
        future = loop.create_future()
        client.waiting[(uri, version)] = future
        return future

    opened = expect(1)
    item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    await asyncio.wait_for(opened, 60)
    samples = Samples()
    for version in range(2, edits + 2):
        lines = statement_lines(text, function)
        line = lines[(version * 7) % len(lines)]
        text = "".join(text.splitlines(keepends=True)[:line]) + "#\n" + "".join(text.splitlines(keepends=True)[line:])
        # the core's own cost of this version, whole and incremental, timed in this process
        samples.parse.append(timed(functools.partial(lint_source, text, "module.py", selection, rules)))
        samples.lint.append(timed(functools.partial(memo.lint, text, "module.py", selection, rules)))
        done = expect(version)
        position = types.Position(line=line, character=0)
        began = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=types.Range(start=position, end=position), text="#\n")
                ],
            )
        )
        await asyncio.wait_for(done, 60)
        samples.latency.append(time.perf_counter() - began)
    stats = memo.stats
    samples.codes = [f"{stats.analysed}/{stats.units} units" + (f" (full run: {stats.reason})" if stats.full else "")]
    await stop(client)
    return samples


async def report_incremental(text: str, edits: int, functions: list[str]) -> None:
    """Edit -> diagnostics inside one function, the server incremental and whole-file, side by side."""
    print(
        f"\ntyping inside one function ({edits} edits each; a comment line above one of its statements)\n"
        f"{'function':<30}{'server':<13}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'core full':>11}{'core inc':>10}"
        "  analysed"
    )
    for function in functions:
        for incremental in (True, False):
            samples = await function_edit_latencies(text, edits, function, incremental)
            ms = [value * 1000 for value in samples.latency]
            print(
                f"{function:<30}{'incremental' if incremental else 'whole file':<13}{percentile(ms, 0.5):>8.1f}"
                f"{percentile(ms, 0.95):>8.1f}{max(ms):>8.1f}{statistics.median(samples.parse) * 1000:>11.1f}"
                f"{statistics.median(samples.lint) * 1000:>10.1f}  {samples.codes[0]}"
            )
    print("(core full / core inc: medians of lint_source and of an incremental lint of each version, in this process)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--file", type=pathlib.Path, default=None)
    parser.add_argument("--starts-only", action="store_true", help="measure the start-up only")
    parser.add_argument(
        "--functions",
        default="register_module_forward_hook,to",
        help="functions to type in for the incremental comparison (comma-separated; empty: skip it)",
    )
    parser.add_argument("--incremental-only", action="store_true", help="measure typing inside functions only")
    parser.add_argument("--baseline", metavar="DIR", help="a checkout whose server starts alternate with this one's")
    args = parser.parse_args()
    if args.starts_only:
        report_starts(args.starts, args.baseline)
        return
    path = args.file or module_py()
    text = path.read_text(encoding="utf-8")
    from pt_lsp.lsp.plugins import load_rule_modules

    load_rule_modules()  # as the server does: a broken rule module is skipped, not fatal
    print(f"document: {path} ({text.count(chr(10))} lines), {args.edits} edits, debounce 0\n")
    functions = [name for name in args.functions.split(",") if name]
    if args.incremental_only:
        await report_incremental(text, args.edits, functions)
        return
    print(
        f"{'lint placement':<15}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'ast.parse':>11}{'p50/parse':>11}"
        f"{'core lint':>11}{'p50-lint':>10}  codes found"
    )
    default: tuple[float, float, float] = (0.0, 0.0, 1.0)
    for in_thread in (True, False):
        samples = await edit_latencies(text, args.edits, in_thread)
        ms = [value * 1000 for value in samples.latency]
        p50, p95 = percentile(ms, 0.5), percentile(ms, 0.95)
        parse_ms = statistics.median(samples.parse) * 1000
        lint_ms = statistics.median(samples.lint) * 1000
        name = "worker thread" if in_thread else "event loop"
        if in_thread:
            default = (p50, p95, parse_ms)  # the server's default placement is the one judged
        print(
            f"{name:<15}{p50:>8.1f}{p95:>8.1f}{max(ms):>8.1f}{parse_ms:>11.1f}{p50 / parse_ms:>10.1f}x"
            f"{lint_ms:>11.1f}{p50 - lint_ms:>10.1f}  {', '.join(samples.codes) or '-'}"
        )
    print("(ast.parse, core lint: medians of the same text timed in this process before each edit;")
    print(" p50-lint: the server's own share, over the core's analysis)")
    if functions:
        await report_incremental(text, args.edits, functions)
    initialize = report_starts(args.starts, args.baseline)

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print(
        f"\ntargets (worker thread, the default): p50 <= 3x ast.parse: {verdict(default[0] <= 3 * default[2])}; "
        f"p95 < 100 ms: {verdict(default[1] < 100)}; initialize < 300 ms: {verdict(initialize < 300)}"
    )


def report_starts(count: int, baseline: str | None) -> float:
    """Prints the start-up figures; returns the median in ms."""
    starts, floors, baselines = startup_times(count, baseline)
    print(f"\nprocess start -> initialize reply ({count} starts): {spread(starts)}")
    if baselines:
        print(f"  baseline {baseline}, alternated: {spread(baselines)}")
    print(f"  floor: python -c pass takes {spread(floors)}")
    return statistics.median(starts) * 1000


if __name__ == "__main__":
    asyncio.run(main())
