"""What does pt-lsp's flake8 plugin cost inside flake8, on the same files (issue 15: <= 1.2x)?

Prints, for the installed torch package source (or ``--path``):
  - plain flake8 (pycodestyle, pyflakes, mccabe; ``--select E,F,W,C90``) against flake8 with
    pt-lsp's plugin (``--select E,F,W,C90,PTL``), with 1 job and with all cores, alternated
    A/B/A/B so that a shared machine slows both alike; CPU (the flake8 process and its
    workers) and wall time, the median of the runs and the best, files/s, the load average
  - the ratio on a small, medium and large slice of the files (growth)
  - the PTL findings through flake8 against ``pt-lsp check`` on the same files, per code

flake8 runs every installed plugin and applies ``--select`` to the results only, so "plain
flake8" is flake8 with pt-lsp's entry point hidden from its plugin finder (same interpreter, same
flake8, same files). ``--select E,F,W,C90`` with the plugin installed is timed on the medium
slice: the plugin runs no rule when flake8 would report none of its codes.

    python benchmarks/bench_flake8.py [--path DIR] [--runs N] [--other-runs N] [--jobs N] [--no-growth] [--no-compare]

torch is located with ``importlib.util.find_spec`` and never imported.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter

from pt_lsp.core.discovery import discover

print = functools.partial(print, flush=True)  # a long run shows its progress

# flake8 with or without pt-lsp's plugin: the first argument says which, the rest go to flake8
RUNNER = """
import sys
from flake8.plugins import finder
if sys.argv[1] == "plain":
    found = finder._find_importlib_plugins
    finder._find_importlib_plugins = lambda: (p for p in found() if p.package != "pt-lsp")
from flake8.main.cli import main
main(sys.argv[2:])
"""
DEFAULT = "E,F,W,C90"  # flake8's default selection
FORMAT = "%(path)s:%(row)d:%(col)d: %(code)s"


def torch_source() -> str | None:
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def flake8(mode: str, select: str, jobs: int, files: list[str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of flake8 and its workers, its output)."""
    argv = [sys.executable, "-c", RUNNER, mode, "--select", select, "--jobs", str(jobs), "--exit-zero"]
    start, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run([*argv, "--format", FORMAT, *files], capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if done.returncode:
        raise SystemExit(f"flake8 failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return wall, cpu, done.stdout


def plugins(mode: str) -> str:
    done = subprocess.run([sys.executable, "-c", RUNNER, mode, "--version"], capture_output=True, text=True)
    return " ".join((done.stdout or done.stderr).split())


def alternated(
    files: list[str], jobs: int, runs: int, verbose: bool = False
) -> tuple[dict[str, list[tuple[float, float]]], str]:
    """A/B/A/B: ``runs`` timings of plain flake8 and of flake8 with the plugin; the last output."""
    times: dict[str, list[tuple[float, float]]] = {"plain": [], "plugin": []}
    output = ""
    for run in range(runs):
        for mode, select in (("plain", DEFAULT), ("plugin", DEFAULT + ",PTL")):
            wall, cpu, output = flake8(mode, select, jobs, files)
            times[mode].append((wall, cpu))
            if verbose:  # each run as it ends: a long benchmark stopped early still says something
                print(
                    f"    run {run + 1} {mode:<6} {len(files)} files, {jobs} jobs: CPU {cpu:.2f} s, wall {wall:.2f} s"
                )
    return times, output


def summary(name: str, runs: list[tuple[float, float]], count: int) -> tuple[str, float, float]:
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    best = min(c for _, c in runs)
    line = f"  {name:<28} wall {wall:7.2f} s ({count / wall:5.0f} files/s)  CPU {cpu:7.2f} s (best {best:.2f} s)"
    return line, wall, cpu


def timed(files: list[str], jobs: int, runs: int) -> tuple[float, str]:
    """Prints the A/B/A/B table for ``jobs``; (CPU ratio of the medians, the plugin run's output)."""
    before = load()
    times, output = alternated(files, jobs, runs, verbose=True)
    plain, plain_wall, plain_cpu = summary("flake8 (E,F,W,C90)", times["plain"], len(files))
    plugin, plugin_wall, plugin_cpu = summary("flake8 + pt-lsp (+PTL)", times["plugin"], len(files))
    print(f"{jobs} job{'s' if jobs > 1 else ''}, median of {runs} alternated runs; load average {before} -> {load()}")
    print(plain)
    print(plugin)
    ratio = plugin_cpu / plain_cpu
    print(f"  ratio: CPU {ratio:.2f}x, wall {plugin_wall / plain_wall:.2f}x (target <= 1.2x)\n")
    return ratio, output


def counts(output: str, prefix: str = "PTL") -> Counter[str]:
    found: Counter[str] = Counter()
    for line in output.splitlines():
        code = line.rsplit(" ", 1)[-1]
        if code.startswith(prefix):
            found[code] += 1
    return found


def locations(output: str) -> set[tuple[str, int, int, str]]:
    """(path, line, column, code) of every PTL finding, from flake8's or ``check``'s concise lines."""
    found = set()
    for line in output.splitlines():
        head, sep, rest = line.partition(": ")
        parts = head.rsplit(":", 2)
        code = rest.split(" ", 1)[0]
        if sep and len(parts) == 3 and code.startswith("PTL") and parts[1].isdigit():
            found.add((os.path.abspath(parts[0]), int(parts[1]), int(parts[2]), code))
    return found


def compare(files: list[str], flake8_output: str) -> None:
    """The PTL findings through flake8 against ``pt-lsp check`` on the same files."""
    argv = [sys.executable, "-m", "pt_lsp", "check", "--output-format", "concise", "--exit-zero", "--no-cache"]
    done = subprocess.run([*argv, *files], capture_output=True, text=True, check=False)
    through, checked = counts(flake8_output), locations(done.stdout)
    direct = Counter(code for *_, code in checked)
    print("PTL findings through flake8 against `pt-lsp check` on the same files:")
    for code in sorted(set(through) | set(direct)):
        note = "" if through[code] == direct[code] else "  <- differs"
        print(f"  {code}  flake8 {through[code]:5d}  check {direct[code]:5d}{note}")
    print(f"  all     flake8 {sum(through.values()):5d}  check {sum(direct.values()):5d}")
    only_flake8 = sorted(locations(flake8_output) - checked)
    only_check = sorted(checked - locations(flake8_output))
    for label, rows in (("only through flake8", only_flake8), ("only from check", only_check)):
        print(f"  {label}: {len(rows)}")
        for path, line, col, code in rows[:10]:
            print(f"    {path}:{line}:{col}: {code}")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", help="directory to lint (default: the installed torch package)")
    parser.add_argument("--runs", type=int, default=3, help="alternated runs of each (the median is shown)")
    parser.add_argument(
        "--other-runs", type=int, help="alternated runs with all cores and of the slices (default: --runs)"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cores for the parallel runs")
    parser.add_argument("--no-growth", action="store_true", help="skip the small, medium and large slices")
    parser.add_argument("--no-compare", action="store_true", help="skip the comparison with `pt-lsp check`")
    args = parser.parse_args()
    root = args.path or torch_source()
    if root is None:
        print("torch is not installed and no --path was given", file=sys.stderr)
        return 2
    files = [f for f in discover([root]).files if f.endswith(".py")]  # flake8 lints no notebooks
    print(f"flake8 on {len(files)} .py files under {root} ({os.cpu_count()} cores here, load average {load()})")
    print(f"plain:  {plugins('plain')}")
    print(f"plugin: {plugins('plugin')}")
    print("CPU: the flake8 process and its workers; the ratios are of CPU medians (they hold on a shared machine)\n")

    other = args.other_runs or args.runs
    ratio, output = timed(files, 1, args.runs)
    if args.jobs > 1:
        timed(files, args.jobs, other)

    if not args.no_growth:
        print("growth, 1 job (every n-th file, so each slice mixes the tree's parts):")
        for step in (16, 4):
            part = files[::step]
            times, _ = alternated(part, 1, other)
            plain = statistics.median(c for _, c in times["plain"])
            plugin = statistics.median(c for _, c in times["plugin"])
            print(
                f"  {len(part):5d} files  plain CPU {plain:6.2f} s  plugin CPU {plugin:6.2f} s  {plugin / plain:.2f}x"
            )
            if step == 4:
                _, cpu, _ = flake8("plugin", DEFAULT, 1, part)
                print(f"  {'':13}--select {DEFAULT} with the plugin installed: CPU {cpu:6.2f} s, {cpu / plain:.2f}x")
        print(f"  {len(files):5d} files  (above) {ratio:.2f}x\n")

    if not args.no_compare:
        compare(files, output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
