"""What evidence paths cost: `pt-lsp check` (1 job) over the installed torch package with the
flow engine's evidence steps recorded, and with step recording switched off in-process, runs
alternated. Target: paths add at most 5%.

    python benchmarks/bench_paths.py [--path DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bench_check import torch_source

from pt_lsp.commands.check import run_tasks
from pt_lsp.commands.lint_file import CHECK, FileTask
from pt_lsp.core.discovery import discover
from pt_lsp.core.flow import values
from pt_lsp.core.selection import Selection


@contextmanager
def without_steps() -> Iterator[None]:
    """Evidence steps neither recorded nor merged: what the engine costs without paths."""
    step, merge = values.Value.step, values.merge_steps
    values.Value.step = lambda self, node, message: self  # type: ignore[method-assign]
    values.merge_steps = lambda *groups: ()
    modules = _importers()
    saved = {module: module.merge_steps for module in modules}
    for module in modules:
        module.merge_steps = values.merge_steps
    try:
        yield
    finally:
        values.Value.step, values.merge_steps = step, merge  # type: ignore[method-assign]
        for module, original in saved.items():
            module.merge_steps = original


def _importers() -> list:
    from pt_lsp.core.flow import evaluator, module_calls, moves, qualified

    return [evaluator, module_calls, moves, qualified]


def timed(files: list[str]) -> tuple[float, int]:
    tasks = [FileTask(path, Selection(), CHECK) for path in files]
    start = time.process_time()
    outcomes = run_tasks(tasks, 1)
    return time.process_time() - start, sum(len(o.findings) for o in outcomes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", help="directory to lint (default: the installed torch package)")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    root = args.path or torch_source()
    if root is None:
        print("torch is not installed: pass --path")
        return 2
    files = discover([root]).files
    print(f"{len(files)} files under {root}; CPU seconds of this process, 1 job")
    with_paths, without = [], []
    for run in range(args.runs):
        seconds, findings = timed(files)
        with_paths.append(seconds)
        with without_steps():
            seconds_off, findings_off = timed(files)
        without.append(seconds_off)
        counts = f"{findings} / {findings_off} findings"
        print(f"run {run + 1}: with paths {seconds:.2f} s, without {seconds_off:.2f} s ({counts})")
    best_with, best_without = min(with_paths), min(without)
    overhead = 100 * (best_with / best_without - 1)
    print(f"best: with paths {best_with:.2f} s, without {best_without:.2f} s: {overhead:+.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
