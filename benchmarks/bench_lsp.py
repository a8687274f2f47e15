"""pt-lsp server speed: didChange -> publishDiagnostics latency, and start-up time.

    python benchmarks/bench_lsp.py [--edits 50] [--starts 5] [--file PATH]

Drives the real server over stdio with pygls' client. The document is the installed torch's
`torch/nn/modules/module.py` (about 3,000 lines; found without importing torch). Each of the
edits changes one line and waits for the diagnostics of exactly that version; the debounce is
set to 0 so that the numbers are the server's own work (parse, rules, conversion, JSON, pipe).
One `ast.parse` of the same text, timed in this process in the same run, is the yardstick.
Both lint placements are measured: in a worker thread (the default) and in the event loop.

Targets (issue 4): p50 within 3x one ast.parse, p95 under 100 ms, initialize under 0.5 s.
"""
from __future__ import annotations

import argparse
import ast
import asyncio
import importlib.util
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


def median_ms(job, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def import_floor_ms(repeats: int) -> float:
    """Spawning Python and importing pygls + lsprotocol: what any pygls server pays to start."""
    command = [sys.executable, "-c", "import pygls.lsp.server"]
    return median_ms(lambda: subprocess.run(command, check=True), repeats)


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


async def start(options: dict) -> tuple[Client, float]:
    client = Client()
    began = time.perf_counter()
    await client.start_io(*SERVER)
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), initialization_options=options))
    elapsed = time.perf_counter() - began
    client.initialized(types.InitializedParams())
    return client, elapsed


async def stop(client: Client) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


async def startup_times(count: int) -> list[float]:
    times = []
    for _ in range(count):
        client, elapsed = await start({})
        times.append(elapsed)
        await stop(client)
    return times


async def edit_latencies(text: str, edits: int, in_thread: bool) -> tuple[list[float], list[str]]:
    client, _ = await start({"debounce": 0, "lintInThread": in_thread})
    uri = (pathlib.Path(tempfile.gettempdir()) / "pt_lsp_bench" / "module.py").as_uri()
    loop = asyncio.get_running_loop()

    def expect(version: int) -> asyncio.Future:
        future = loop.create_future()
        client.waiting[(uri, version)] = future
        return future

    opened = expect(1)
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    first = await asyncio.wait_for(opened, 60)
    # Each edit types "#" on a different blank line, spread over the file: a comment is valid
    # anywhere (even inside a string), so every version parses and every rule really runs.
    blank = [index for index, line in enumerate(text.split("\n")) if not line.strip()]
    targets = [blank[(k * len(blank)) // edits] for k in range(edits)]
    latencies = []
    for version, line in enumerate(targets, start=2):
        position = types.Position(line=line, character=0)
        done = expect(version)
        began = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=position, end=position), text="#")],
        ))
        published = await asyncio.wait_for(done, 60)
        latencies.append(time.perf_counter() - began)
    await stop(client)
    for message in dict.fromkeys(client.logs):  # e.g. a rule that crashed on this file
        print(f"  server log: {message}")
    return latencies, sorted({str(d.code) for d in first.diagnostics} | {str(d.code) for d in published.diagnostics})


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--file", type=pathlib.Path, default=None)
    args = parser.parse_args()
    path = args.file or module_py()
    text = path.read_text(encoding="utf-8")
    from pt_lsp.core.engine import lint_source

    parse_ms = median_ms(lambda: ast.parse(text), 20)
    lint_ms = median_ms(lambda: lint_source(text, str(path)), 5)
    print(f"document: {path} ({text.count(chr(10))} lines)")
    print(f"one ast.parse of it: {parse_ms:.1f} ms (median of 20)")
    print(f"the core's lint_source of it, in-process (parse + all rules): {lint_ms:.1f} ms (median of 5)\n")
    print(f"{'lint placement':<16}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'p50/parse':>11}{'p50-lint':>10}  codes found")
    for in_thread in (True, False):
        latencies, found = await edit_latencies(text, args.edits, in_thread)
        ms = [value * 1000 for value in latencies]
        p50, p95 = percentile(ms, 0.5), percentile(ms, 0.95)
        name = "worker thread" if in_thread else "event loop"
        print(f"{name:<16}{p50:>9.1f}{p95:>9.1f}{max(ms):>9.1f}{p50 / parse_ms:>10.1f}x{p50 - lint_ms:>10.1f}  {', '.join(found) or '-'}")
    print("(p50-lint: the server's own share, over the core's analysis time)")
    starts = [value * 1000 for value in await startup_times(args.starts)]
    floor = import_floor_ms(args.starts)
    print(f"\nprocess start -> initialize reply: median {statistics.median(starts):.0f} ms, "
          f"min {min(starts):.0f} ms, max {max(starts):.0f} ms ({args.starts} starts)")
    print(f"  floor: python -c 'import pygls.lsp.server' takes {floor:.0f} ms (median)")
    print("targets: p50 <= 3x ast.parse, p95 < 100 ms, initialize < 500 ms")


if __name__ == "__main__":
    asyncio.run(main())
