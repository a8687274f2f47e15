"""How fast is `pt-lsp check` on a big real code base (the installed torch package source)?

Prints, from one run over the same files:
  - parse-only: read, decode and ``ast.parse`` every file (the lower bound for any AST linter)
  - pt-lsp with 1 job and with all cores (the same code path as `pt-lsp check --jobs N`)
  - the command itself, cold (empty cache) and warm (every file answered from the cache)
  - where the CPU time of the 1-job run goes (`--profile`: phases and the slowest rules)
  - start-up: `python -c pass` against `pt-lsp check one.py` (median of 10 alternated runs)
  - `ruff check --select ALL` and TorchFix on the same files, when installed
and the findings per rule and any internal errors of pt-lsp. Targets (issue 15): 1 job within
1.5x of parse-only, warm within 0.1x of cold, 2 jobs faster than parse-only on one core,
start-up within 0.12 s of bare Python.

    python benchmarks/bench_check.py [--path DIR] [--jobs N]

torch is located with ``importlib.util.find_spec`` and never imported.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter

from pt_lsp.commands.check import run_tasks
from pt_lsp.commands.lint_file import CHECK, FileTask, collector_tuned
from pt_lsp.core.cache import build_id
from pt_lsp.core.discovery import discover
from pt_lsp.core.filefix import NotebookFile, SourceFile, Unlintable, read_bytes
from pt_lsp.core.rule import all_rules
from pt_lsp.core.selection import Selection


def torch_source() -> str | None:
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def parse_only(files: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process)."""
    start, cpu = time.perf_counter(), time.process_time()
    for path in files:
        try:
            data = read_bytes(path)
            if path.endswith(".ipynb"):
                NotebookFile.decode(data)
                continue
            text = SourceFile.decode(data).text
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(text, filename=path)
        except (Unlintable, SyntaxError, ValueError):
            pass
    return time.perf_counter() - start, time.process_time() - cpu


def pt_lsp_run(files: list[str], jobs: int, profile: bool = False):
    """(wall seconds, CPU seconds of this process and of the workers it waited for, outcomes)."""
    tasks = [FileTask(path, Selection(), CHECK, profile=profile) for path in files]
    start, cpu, workers = time.perf_counter(), time.process_time(), _children_cpu()
    outcomes = run_tasks(tasks, jobs)
    return time.perf_counter() - start, time.process_time() - cpu + _children_cpu() - workers, outcomes


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def load() -> str:
    """The machine's load average (1, 5, 15 minutes): how much the wall times shared the cores."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def command(args: list[str], cwd: str | None = None) -> float:
    """Wall seconds of ``python -m pt_lsp ARGS`` (a fresh process: start-up included)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pt_lsp", *args], cwd=cwd, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


STARTUP_RUNS = 10


def startup() -> dict[str, list[float]]:
    """Wall seconds of bare Python, `check one.py` without the cache and with it: 10 runs of
    each, alternated, so that a busy machine slows the three alike. As installed: with
    byte-code (compiled by a first run, kept out of the checkout), even where the environment
    says PYTHONDONTWRITEBYTECODE (then every start would compile pt-lsp's sources again)."""
    commands = {
        "bare": [sys.executable, "-c", "pass"],
        "no cache": [sys.executable, "-m", "pt_lsp", "check", "one.py", "--no-cache"],
        "cached": [sys.executable, "-m", "pt_lsp", "check", "one.py"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "one.py"), "w", encoding="utf-8") as file:
            file.write("import torch\nx = torch.ones(2)\ny = x.cuda().numpy()\n")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = os.path.join(folder, "pycache")
        for run in range(STARTUP_RUNS + 1):
            for name, argv in commands.items():
                start = time.perf_counter()
                subprocess.run(argv, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                if run:  # the first run of each compiles byte-code and fills the cache
                    times[name].append(time.perf_counter() - start)
    return times


def external(command: list[str], files: list[str]) -> float | None:
    start = time.perf_counter()
    try:
        subprocess.run(command + files, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    except OSError:
        return None
    return time.perf_counter() - start


def find_tool(name: str) -> str | None:
    """``name`` next to this interpreter (a virtualenv's bin/) or on PATH."""
    local = os.path.join(os.path.dirname(sys.executable), name)
    return local if os.path.exists(local) else shutil.which(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", help="directory to lint (default: the installed torch package)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cores for the parallel run")
    args = parser.parse_args()
    root = args.path or torch_source()
    if root is None:
        print("torch is not installed and no --path was given", file=sys.stderr)
        return 2
    files = discover([root]).files
    py_files = [f for f in files if f.endswith(".py")]
    all_rules()  # import the rules before any timing
    print(f"linting {len(files)} files under {root} ({os.cpu_count()} cores here, load average {load()})")
    print("CPU times are this process's own: they hold when other work shares the machine\n")

    rows: list[tuple[str, float | None, str]] = []
    base, base_cpu = parse_only(files)
    rows.append(("parse-only (read + ast.parse)", base, f"CPU {base_cpu:.2f} s (the lower bound of the ratios)"))
    with collector_tuned():  # pt-lsp collects garbage rarely while linting: parse-only that way too
        tuned, tuned_cpu = parse_only(files)
    rows.append(("parse-only, collector as pt-lsp", tuned, f"CPU {tuned_cpu:.2f} s"))
    serial, serial_cpu, outcomes = pt_lsp_run(files, 1)
    rows.append(
        (
            "pt-lsp, 1 job",
            serial,
            f"CPU {serial_cpu:.2f} s; {serial / base:.2f}x parse-only wall, "
            f"{serial_cpu / base_cpu:.2f}x CPU (target <= 1.5x); {serial_cpu / tuned_cpu:.2f}x CPU of the tuned parse; "
            f"beyond parsing {serial_cpu / base_cpu - 1:.2f}x parse CPU (target <= 0.5x)",
        )
    )
    parallel, parallel_cpu, _ = pt_lsp_run(files, args.jobs)
    rows.append(
        (
            f"pt-lsp, {args.jobs} jobs",
            parallel,
            f"{serial / parallel:.2f}x faster than 1 job; {parallel / base:.2f}x parse-only (target < 1x); "
            f"CPU {parallel_cpu:.2f} s in all (the cores it had: {parallel_cpu / parallel:.2f})",
        )
    )
    for _ in range(3):  # the cache is keyed by pt-lsp's own files: an edit between the runs voids it
        before = build_id()
        with tempfile.TemporaryDirectory() as cache:
            check = ["check", root, "--exit-zero", "--quiet", "--cache-dir", cache, "--jobs", str(args.jobs)]
            cold = command(check)
            warm = command(check)
        if build_id() == before:
            break
        print("(pt-lsp's source changed during the cache runs: measured again)")
    rows.append((f"pt-lsp check, cold cache, {args.jobs} jobs", cold, "the command: start-up, discovery, cache writes"))
    rows.append((f"pt-lsp check, warm cache, {args.jobs} jobs", warm, f"{warm / cold:.3f}x cold (target <= 0.1x)"))

    ruff = find_tool("ruff")
    if ruff:
        seconds = external([ruff, "check", "--select", "ALL", "--no-cache", "--exit-zero", "--quiet"], py_files)
        rows.append(("ruff check --select ALL (all cores)", seconds, ""))
    else:
        rows.append(("ruff check --select ALL", None, "not installed: skipped"))
    torchfix = find_tool("torchfix")
    if torchfix:
        rows.append(("torchfix", external([torchfix], py_files), ""))
    else:
        rows.append(("torchfix", None, "not installed: skipped"))

    print(f"load average after these runs: {load()}\n")
    width = max(len(name) for name, _, _ in rows)
    for name, seconds, note in rows:
        shown = f"{seconds:8.2f} s  {len(files) / seconds:8.0f} files/s" if seconds else f"{'-':>8}"
        print(f"{name:<{width}}  {shown}  {note}")

    _, _, profiled = pt_lsp_run(files, 1, profile=True)
    timings: Counter[str] = Counter()
    for outcome in profiled:
        timings.update(outcome.timings)
    phases = ("read", "parse", "index", "names", "classes", "flow")
    parse_time = timings["parse"] or 1e-9
    print("\nwhere the 1-job time goes (--profile; CPU seconds, and x of parse; facts timed when first asked for,")
    print("the flow engine's per-function analysis inside the rule that asked):")
    for phase in phases:
        print(f"  {phase:<14} {timings[phase]:7.2f} s  {timings[phase] / parse_time:5.2f}x")
    rules = sorted(((k, v) for k, v in timings.items() if k not in phases), key=lambda kv: -kv[1])
    print(f"  {'all rules':<14} {sum(v for _, v in rules):7.2f} s  {sum(v for _, v in rules) / parse_time:5.2f}x")
    beyond = sum(v for k, v in timings.items() if k not in ("read", "parse"))
    print(f"  beyond parsing {beyond:7.2f} s  {beyond / parse_time:5.2f}x (target <= 0.5x)")
    for name, seconds in rules[:8]:
        print(f"    {name:<12} {seconds:7.2f} s")

    times = startup()
    bare = statistics.median(times["bare"])
    print(f"\nstart-up (median of {STARTUP_RUNS} alternated runs, the fastest in brackets; target: +0.12 s at most)")
    for name, label in (
        ("bare", "python -c pass"),
        ("no cache", "check one.py (no cache)"),
        ("cached", "check one.py (cached)"),
    ):
        median, fastest = statistics.median(times[name]), min(times[name])
        over = f"  +{median - bare:.3f} s (+{fastest - min(times['bare']):.3f} s)" if name != "bare" else ""
        print(f"  {label:<30} {median:6.3f} s ({fastest:.3f} s){over}")

    per_rule = Counter(loc.finding.code for outcome in outcomes for loc in outcome.findings)
    errors = [(o.path, e) for o in outcomes for e in o.errors]
    skipped = [(o.path, o.skipped) for o in outcomes if o.skipped]
    print("\nfindings per rule:")
    for code, count in sorted(per_rule.items()):
        print(f"  {code}  {count}")
    if not per_rule:
        print("  none")
    print(f"\ninternal errors: {len(errors)}")
    for path, error in errors[:20]:
        print(f"  {path}: {error}")
    print(f"skipped files: {len(skipped)}")
    for path, reason in skipped[:10]:
        print(f"  {path}: {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
