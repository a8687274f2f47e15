"""The project's own precision/recall harness: `pt-lsp check` against `pt-lsp run` on runnable scripts.

    python scripts/crosscheck.py DIR [--timeout S] [--json] [--device fake-cuda]

Each ``*.py`` file directly in DIR is run with ``pt-lsp run`` (a fresh interpreter, DIR as the
working directory), whose JSON report holds both sides: the runtime findings and the static
findings of the files that ran, each with its cross-check outcome. Per rule it prints

- confirmed: static findings the run showed (true positives);
- no symptom: static findings on lines that ran without the rule's symptom (candidate false alarms);
- runtime only: symptoms the static pass missed (false negatives);
- not reached: static findings on lines the run never reached (not judged);

and precision = confirmed / (confirmed + no symptom), recall = confirmed / (confirmed + runtime only),
over the rules that have a runtime check. Exit 1 if a script could not be run under the checker.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = ("confirmed", "no-symptom", "runtime-only", "not-reached")


def run_one(script: Path, timeout: float, device: str | None = None) -> tuple[list[dict], str]:
    """The JSON report of ``pt-lsp run`` on ``script``, and a problem ('' when it ran)."""
    with tempfile.TemporaryDirectory(prefix="pt-lsp-crosscheck-") as scratch:
        report = Path(scratch) / "run.json"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
        command = [sys.executable, "-m", "pt_lsp", "run", "--no-save", "--output-format", "json"]
        if device:
            command += ["--device", device]
        try:
            completed = subprocess.run(
                [*command, "--output-file", str(report), script.name],
                cwd=script.parent,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return [], f"timed out after {timeout:g} s"
        if not report.exists():
            tail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
            return [], f"no report (exit {completed.returncode}): {tail}"
        return json.loads(report.read_text(encoding="utf-8")), ""


def tally(reports: list[list[dict]]) -> dict[str, Counter]:
    """Per rule: how many findings had each outcome (a confirmed pair counts once)."""
    per_rule: dict[str, Counter] = {}
    for report in reports:
        for finding in report:
            outcome = finding["crosscheck"]
            if outcome == "not-checked" or (finding["source"] == "runtime" and outcome == "confirmed"):
                continue
            per_rule.setdefault(finding["code"], Counter())[outcome] += 1
    return per_rule


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "-"


def table(per_rule: dict[str, Counter]) -> list[str]:
    lines = [
        f"{'rule':8} {'confirmed':>9} {'no symptom':>10} {'runtime only':>12} {'not reached':>11} "
        f"{'precision':>9} {'recall':>6}"
    ]
    total: Counter = Counter()
    for code in sorted(per_rule):
        counts = per_rule[code]
        total.update(counts)
        lines.append(_row(code, counts))
    lines.append(_row("all", total))
    return lines


def _row(label: str, counts: Counter) -> str:
    confirmed, silent, missed = counts["confirmed"], counts["no-symptom"], counts["runtime-only"]
    return (
        f"{label:8} {confirmed:>9} {silent:>10} {missed:>12} {counts['not-reached']:>11} "
        f"{_ratio(confirmed, confirmed + silent):>9} {_ratio(confirmed, confirmed + missed):>6}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per script (default: 300)")
    parser.add_argument("--json", action="store_true", help="print the per-rule counts as JSON")
    parser.add_argument(
        "--device",
        choices=("fake-cuda",),
        help="run the scripts with CUDA simulated on the CPU (device findings are judged only where CUDA is)",
    )
    args = parser.parse_args(argv)
    scripts = sorted(p for p in args.directory.glob("*.py") if p.is_file())
    if not scripts:
        print(f"crosscheck: no .py files in {args.directory}", file=sys.stderr)
        return 2
    reports, problems = [], []
    for script in scripts:
        report, problem = run_one(script.resolve(), args.timeout, args.device)
        if problem:
            problems.append(f"{script.name}: {problem}")
        reports.append(report)
    per_rule = tally(reports)
    if args.json:
        print(json.dumps({code: dict(counts) for code, counts in sorted(per_rule.items())}, indent=2))
    else:
        print(f"{len(scripts)} scripts in {args.directory}")
        print("\n".join(table(per_rule)))
    for problem in problems:
        print(f"not run: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
