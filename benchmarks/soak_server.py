"""Soak the language server: thousands of rapid edits to a 1,000-line file over raw stdio.

The file is made of the test corpus's training scripts. Edits come as fast as the pipe takes
them (incremental ``didChange``: a comment added or removed at a line's end, now and then a
``.data`` / ``.detach()`` swapped), in storms; after each storm the client waits for the
diagnostics of the last version and reads the server's resident memory (``/proc/PID/status``).
At the end the diagnostics must equal what ``pt-lsp check`` reports for the final text, and the
memory must not grow between the warm-up edit and the last one (``--max-growth-mb``, default 5).

    python benchmarks/soak_server.py [--edits 10000] [--storm 1000] [--warm-up 2000] [--seed 0]
                                     [--trace [--trace-frames N]]

``--trace`` finds what grows: the server then counts its live objects by type after each storm
(``gc.get_objects``, without collecting first: a collection would hide garbage that waits for
the collector) and, with ``--trace-frames N``, takes a ``tracemalloc`` snapshot with N frames
(about 25 times slower: lints then outrun the server's time budget, and tracemalloc's own
records count in RSS); at the end the soak prints the growth from the warm-up to the last storm.
Exit status 0 when both hold, 1 otherwise. Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "files"


# The server under --trace: on SIGUSR1 it writes its live objects by type (and a tracemalloc
# snapshot) to <folder>/<n>.json (and <n>.tm), n counting from 1.
_TRACED_SERVER = """
import collections, gc, json, os, runpy, signal, sys, tracemalloc
folder, frames = sys.argv[1], int(sys.argv[2])
if frames:
    tracemalloc.start(frames)
taken = [0]
def dump(*_):
    taken[0] += 1
    path = os.path.join(folder, str(taken[0]))
    if frames:
        tracemalloc.take_snapshot().dump(path + ".tm")
    objects = collections.Counter(type(item).__qualname__ for item in gc.get_objects())
    with open(path + ".part", "w") as out:
        json.dump({"objects": objects, "full_collections": gc.get_stats()[2]["collections"]}, out)
    os.replace(path + ".part", path + ".json")
signal.signal(signal.SIGUSR1, dump)
sys.argv = ["pt-lsp", "server"]
runpy.run_module("pt_lsp", run_name="__main__", alter_sys=True)
"""


class Server:
    def __init__(self, cwd: Path, trace: Path | None = None, frames: int = 0) -> None:
        traced = [sys.executable, "-c", _TRACED_SERVER, str(trace), str(frames)]
        self.trace, self.dumps = trace, 0
        self.proc = subprocess.Popen(
            traced if trace else [sys.executable, "-m", "pt_lsp", "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
        self.inbox: queue.Queue[dict] = queue.Queue()
        self.stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.stderr.extend(iter(self.proc.stderr.readline, b"")), daemon=True).start()  # type: ignore[union-attr]
        self.next_id = 0

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    return
                if not line.strip():
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            self.inbox.put(json.loads(out.read(length)))

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: object) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)

    def notify(self, method: str, params: object) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, matches, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = self.inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            if matches(message):
                return message
        raise TimeoutError("the server did not answer")

    def dump(self) -> dict:
        """Under --trace: the server's live objects by type, now."""
        assert self.trace is not None
        self.dumps += 1
        os.kill(self.proc.pid, signal.SIGUSR1)
        path = self.trace / f"{self.dumps}.json"
        deadline = time.monotonic() + 600
        while not path.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise TimeoutError("the traced server wrote no dump")
            time.sleep(0.1)
        return json.loads(path.read_text())

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")


def thousand_lines() -> str:
    parts, count = [], 0
    for path in sorted(CORPUS.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        parts.append(text if text.endswith("\n") else text + "\n")
        count += text.count("\n")
        if count >= 1000:
            break
    return "".join(parts)


_SWAPPABLE = re.compile(r"\.data(?![\w])|\.detach\(\)")  # not `.datasets`


def edit(lines: list[str], rng: random.Random) -> tuple[dict, list[str]]:
    """One incremental change (an LSP range and text) and the lines after it."""
    for _ in range(100):
        index = rng.randrange(len(lines))
        line = lines[index]
        found = _SWAPPABLE.search(line)
        if rng.random() < 0.1 and found and " = " in line and line.index(" = ") < found.start():  # not `x.detach() = y`
            old = found.group()
            new = ".detach()" if old == ".data" else ".data"
            col = found.start()
            change = {"range": _range(index, col, index, col + len(old)), "text": new}
            lines[index] = line[:col] + new + line[col + len(old) :]
            return change, lines
        if line.endswith("  # e"):
            change = {"range": _range(index, len(line) - 5, index, len(line)), "text": ""}
            lines[index] = line[:-5]
            return change, lines
        if line.strip() and not line.rstrip().endswith("\\") and '"""' not in line and "'''" not in line:
            change = {"range": _range(index, len(line), index, len(line)), "text": "  # e"}
            lines[index] = line + "  # e"
            return change, lines
    raise RuntimeError("no line to edit")


def _range(line: int, start: int, end_line: int, end: int) -> dict:
    return {"start": {"line": line, "character": start}, "end": {"line": end_line, "character": end}}


def check_findings(text: str, folder: Path) -> list[tuple[str, int, int]]:
    path = folder / "soak_final.py"
    path.write_text(text, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pt_lsp", "check", "--output-format", "json", "--exit-zero", str(path)],
        capture_output=True,
        text=True,
        cwd=folder,
    )
    found = json.loads(run.stdout)
    return sorted((f["code"], f["location"]["row"] - 1, f["location"]["column"] - 1) for f in found)


def print_growth(dumps: dict[int, dict], first: int, last: int, snapshots: Path | None) -> None:
    before, after = dumps[first]["objects"], dumps[last]["objects"]
    growth = sorted(((after.get(k, 0) - before.get(k, 0), k) for k in set(before) | set(after)), reverse=True)
    print(f"live objects from edit {first:,} to {last:,}, most grown:")
    for count, kind in growth[:10]:
        print(f"  {count:+8,} {kind}")
    if snapshots is not None:
        import tracemalloc

        order = sorted(dumps)
        old = tracemalloc.Snapshot.load(str(snapshots / f"{order.index(first) + 1}.tm"))
        new = tracemalloc.Snapshot.load(str(snapshots / f"{order.index(last) + 1}.tm"))
        print(f"tracemalloc, most grown from edit {first:,} to {last:,}:")
        for stat in new.compare_to(old, "traceback")[:10]:
            print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7,} blocks")
            for line in stat.traceback.format(limit=4, most_recent_first=True):
                print(f"      {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=10_000)
    parser.add_argument("--storm", type=int, default=1_000, help="edits between two measurements")
    parser.add_argument("--warm-up", type=int, default=2_000, help="the edit after which memory must stay flat")
    parser.add_argument("--max-growth-mb", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trace", action="store_true", help="count the server's live objects by type per storm")
    parser.add_argument("--trace-frames", type=int, default=0, help="with --trace: tracemalloc snapshots, N frames")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        trace = root / "trace" if args.trace else None
        if trace:
            trace.mkdir()
        server = Server(root, trace, args.trace_frames)
        dumps: dict[int, dict] = {}
        server.request("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}})
        server.notify("initialized", {})
        uri = (root / "soak.py").as_uri()
        text = thousand_lines()
        lines = text.split("\n")
        server.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 0, "text": text}}
        )
        print(f"soak: {len(lines):,} lines, {args.edits:,} edits in storms of {args.storm:,}")
        rss: dict[int, float] = {}
        diagnostics: list[dict] = []
        start = time.monotonic()
        for version in range(1, args.edits + 1):
            change, lines = edit(lines, rng)
            params = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
            server.notify("textDocument/didChange", params)
            if version % args.storm == 0 or version == args.edits:
                published = server.wait(
                    lambda m, v=version: (
                        m.get("method") == "textDocument/publishDiagnostics"
                        and m["params"]["uri"] == uri
                        and m["params"].get("version") == v
                    )
                )
                diagnostics = published["params"]["diagnostics"]
                rss[version] = server.rss_mb()
                print(f"  edit {version:>6,}: RSS {rss[version]:7.1f} MB, {len(diagnostics)} diagnostics", flush=True)
                if trace:
                    dumps[version] = server.dump()
                    objects = sum(dumps[version]["objects"].values())
                    print(f"{'':14}{objects:,} live objects, {dumps[version]['full_collections']} full collections")
        elapsed = time.monotonic() - start
        server.request("shutdown", None)
        server.notify("exit", None)
        server.proc.wait(timeout=30)
        final = "\n".join(lines)
        expected = check_findings(final, root)
        if trace:
            warm = max(v for v in dumps if v <= max(args.warm_up, min(dumps)))
            print_growth(dumps, warm, max(dumps), trace if args.trace_frames else None)
    got = sorted((d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"]) for d in diagnostics)
    warm = max(v for v in rss if v <= max(args.warm_up, min(rss)))
    growth = rss[max(rss)] - rss[warm]
    same = got == expected
    print(f"{args.edits:,} edits in {elapsed:.0f}s ({args.edits / elapsed:,.0f}/s)")
    print(f"RSS growth from edit {warm:,} to {max(rss):,}: {growth:+.1f} MB (at most {args.max_growth_mb})")
    print(f"final diagnostics equal to pt-lsp check: {'yes' if same else 'NO'} ({len(got)} vs {len(expected)})")
    if not same:
        print("  server only:", sorted(set(got) - set(expected))[:10])
        print("  check only: ", sorted(set(expected) - set(got))[:10])
    tracebacks = b"".join(server.stderr).count(b"Traceback")
    print(f"tracebacks on the server's stderr: {tracebacks}")
    return 0 if same and growth <= args.max_growth_mb and not tracebacks else 1


if __name__ == "__main__":
    sys.exit(main())
