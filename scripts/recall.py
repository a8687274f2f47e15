#!/usr/bin/env python3
"""Recall and precision of the rules on a held-out set of real bugs (``benchmarks/recall/``).

Layout: ``<root>/<RULE>/<nn>_<slug>.py`` reproduces one reported bug; the line where the bug is carries
``# bug: PTLxxx`` (several codes may be listed).  ``<root>/<RULE>/ok_<nn>_<slug>.py`` is the fix the
report converged on and should draw no finding.  Only the rules that have a folder are scored.

    python scripts/recall.py                          # table on stdout
    python scripts/recall.py --output benchmarks/results/recall.txt
    python scripts/recall.py --verify                 # run every program under torch: bugs fail, fixes don't

--verify runs each program (``# device: fake-cuda`` ones under ``pt-lsp run --device fake-cuda``): a bug
program must exit non-zero printing its ``# error:`` text from a ``# bug:`` line (unless a ``# symptom:`` line
says where it shows instead: a later forward pass, or the program's own check of a silent misbehaviour), and a
fixed program must exit 0.  ``# warnings-as-errors`` runs it with ``-W error::UserWarning``.

A finding *catches* a bug when its rule is named in the marker and its range covers the marker's line.
A line marked ``# also: PTLxxx`` repeats a marked defect where the run never gets (``b -= lr * b.grad`` after
``w -= lr * w.grad``): a finding there is not scored.  Every other finding of a scored rule is a false alarm
(on an ``ok_`` file, or on an unmarked line of a bug file).
Standard library only; pt-lsp and the programs run as subprocesses.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_ROOT = REPO / "benchmarks" / "recall"
RULE_DIR = re.compile(r"^PTL\d{3}$")
BUG_MARKER = re.compile(r"#\s*bug:\s*(PTL\d{3}(?:[\s,]+PTL\d{3})*)")
# the same defect again further on (the run never gets there): a finding there is neither a catch nor an alarm
ALSO_MARKER = re.compile(r"#\s*also:\s*(PTL\d{3}(?:[\s,]+PTL\d{3})*)")
CODE = re.compile(r"PTL\d{3}")
# header lines read by --verify: the text the failing run must print, and how to run it
ERROR_HEADER = re.compile(r"^#\s*error:\s*(.+?)\s*$", re.MULTILINE)
DEVICE_HEADER = re.compile(r"^#\s*device:\s*(\S+)", re.MULTILINE)
# the symptom shows away from the bug line (a forward pass, or the program's own check of a silent bug)
SYMPTOM_HEADER = re.compile(r"^#\s*symptom:", re.MULTILINE)
# run with warnings turned into errors (the defect's only runtime sign is a UserWarning)
WARNINGS_HEADER = re.compile(r"^#\s*warnings-as-errors", re.MULTILINE)
VERIFY_TIMEOUT_S = 120


@dataclass(frozen=True, order=True)
class Bug:
    path: str  # relative to the root, with forward slashes
    line: int
    code: str


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    row: int
    end_row: int
    code: str


@dataclass
class RuleScore:
    code: str
    bugs: list[Bug] = field(default_factory=list)
    caught: list[Bug] = field(default_factory=list)
    ok_files: int = 0  # fixed programs in the rule's own folder
    false_on_ok: list[Finding] = field(default_factory=list)
    false_on_bug_files: list[Finding] = field(default_factory=list)

    @property
    def misses(self) -> list[Bug]:
        caught = set(self.caught)
        return [bug for bug in self.bugs if bug not in caught]

    @property
    def false_alarms(self) -> int:
        return len(self.false_on_ok) + len(self.false_on_bug_files)


def is_ok_file(path: str) -> bool:
    return Path(path).name.startswith("ok_")


def program_files(root: Path) -> list[Path]:
    """The programs of the scored rule folders, in a stable order."""
    return sorted(path for code in scored_rules(root) for path in (root / code).glob("*.py"))


def scored_rules(root: Path) -> list[str]:
    return sorted(folder.name for folder in root.iterdir() if folder.is_dir() and RULE_DIR.match(folder.name))


def relative(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def markers(text: str, path: str, marker: re.Pattern[str] = BUG_MARKER) -> list[Bug]:
    """The ``# bug:`` (or ``# also:``) markers of one program (none in ``ok_`` files, which have no bug)."""
    if is_ok_file(path):
        return []
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = marker.search(line)
        if match:
            found.extend(Bug(path, number, code) for code in CODE.findall(match.group(1)))
    return found


def lint(root: Path, files: Sequence[Path]) -> list[Finding]:
    """Run ``pt-lsp check`` once on all programs; the project's own configuration is ignored (--isolated)."""
    if not files:
        return []
    command = [sys.executable, "-m", "pt_lsp", "check", "--isolated", "--select", "ALL", "--no-cache"]
    command += ["--exit-zero", "--output-format", "json", *map(str, files)]
    # run from the set, not the repository, so that PYTHONPATH can name another pt-lsp (e.g. a `git archive`)
    done = subprocess.run(command, capture_output=True, text=True, cwd=root, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pt-lsp check failed (exit {done.returncode}): {done.stderr.strip()}")
    return parse_findings(json.loads(done.stdout), root)


def parse_findings(items: Iterable[dict[str, Any]], root: Path) -> list[Finding]:
    found = []
    for item in items:
        row = int(item["location"]["row"])
        end_row = int((item.get("end_location") or item["location"])["row"])
        found.append(Finding(relative(Path(item["filename"]), root), row, max(row, end_row), item["code"]))
    return sorted(found)


def score(
    rules: Sequence[str],
    bugs: Iterable[Bug],
    findings: Iterable[Finding],
    ok_files: dict[str, int],
    also: Iterable[Bug] = (),
) -> list[RuleScore]:
    """Per scored rule: which marked bugs a finding covers, and which findings cover no marked bug.

    ``ok_files`` counts the fixed programs in each rule's folder (a rule's false alarms are counted on all).
    """
    scores = {code: RuleScore(code, ok_files=ok_files.get(code, 0)) for code in rules}
    bug_list = sorted(bugs)
    also_list = sorted(also)
    for bug in bug_list:
        if bug.code in scores:
            scores[bug.code].bugs.append(bug)
    findings = sorted(findings)
    for finding in findings:
        rule = scores.get(finding.code)
        if rule is None:
            continue
        covered = [
            bug
            for bug in bug_list
            if bug.path == finding.path and bug.code == finding.code and finding.row <= bug.line <= finding.end_row
        ]
        if covered:
            rule.caught.extend(bug for bug in covered if bug not in rule.caught)
        elif any(
            a.path == finding.path and a.code == finding.code and finding.row <= a.line <= finding.end_row
            for a in also_list
        ):
            continue
        elif is_ok_file(finding.path):
            rule.false_on_ok.append(finding)
        else:
            rule.false_on_bug_files.append(finding)
    for rule in scores.values():
        rule.caught.sort()
    return [scores[code] for code in sorted(scores)]


def ratio(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.2f}" if denominator else "–"


def report(scores: Sequence[RuleScore], programs: int, name: str = "benchmarks/recall") -> str:
    """The table, the totals and every miss and false alarm: deterministic (no times, no absolute paths)."""
    lines = [
        f"Recall and precision on the held-out real-bug set ({name}/, see its README.md)",
        f"{programs} programs; caught = a finding of the rule whose range covers the `# bug:` line",
        "",
        f"{'rule':<8}{'bugs':>6}{'caught':>8}{'recall':>8}{'ok files':>10}{'FA ok':>7}{'FA bug':>8}{'precision':>11}",
    ]
    totals = [0, 0, 0, 0, 0]
    for rule in scores:
        caught, fa_ok, fa_bug = len(rule.caught), len(rule.false_on_ok), len(rule.false_on_bug_files)
        ok_files = rule.ok_files
        lines.append(
            f"{rule.code:<8}{len(rule.bugs):>6}{caught:>8}{ratio(caught, len(rule.bugs)):>8}{ok_files:>10}"
            f"{fa_ok:>7}{fa_bug:>8}{ratio(caught, caught + rule.false_alarms):>11}"
        )
        totals = [a + b for a, b in zip(totals, (len(rule.bugs), caught, ok_files, fa_ok, fa_bug))]
    bugs, caught, ok_files, fa_ok, fa_bug = totals
    lines.append(
        f"{'all':<8}{bugs:>6}{caught:>8}{ratio(caught, bugs):>8}{ok_files:>10}{fa_ok:>7}{fa_bug:>8}"
        f"{ratio(caught, caught + fa_ok + fa_bug):>11}"
    )
    lines += [
        "",
        "ok files: fixed programs (ok_*.py) in the rule's folder; FA ok: findings of the rule on any fixed program.",
        "FA bug: findings of the rule on a line of a bug program that carries no `# bug:` marker for it.",
        "precision = caught / (caught + FA ok + FA bug)",
        "",
        "Misses:",
    ]
    misses = [bug for rule in scores for bug in rule.misses]
    lines += [f"  {bug.code} {bug.path}:{bug.line}" for bug in misses] or ["  none"]
    lines += ["", "False alarms:"]
    alarms = sorted(f for rule in scores for f in (*rule.false_on_ok, *rule.false_on_bug_files))
    lines += [f"  {f.code} {f.path}:{f.row}" for f in alarms] or ["  none"]
    return "\n".join(lines) + "\n"


def measure(root: Path) -> str:
    files = program_files(root)
    texts = {relative(path, root): path.read_text(encoding="utf-8") for path in files}
    bugs = [bug for name, text in texts.items() for bug in markers(text, name)]
    also = [bug for name, text in texts.items() for bug in markers(text, name, ALSO_MARKER)]
    ok_count = Counter(path.parent.name for path in files if is_ok_file(path.name))
    scores = score(scored_rules(root), bugs, lint(root, files), dict(ok_count), also)
    return report(scores, len(files), display_name(root))


def display_name(root: Path) -> str:
    """The set as the report names it: its path in the repository, else its folder name (no absolute paths)."""
    root = root.resolve()
    return root.relative_to(REPO).as_posix() if root.is_relative_to(REPO) else root.name


def raising_line(output: str, filename: str) -> int | None:
    """The line of the program's own innermost frame in a traceback (None when it printed none)."""
    lines = re.findall(rf'File "[^"]*{re.escape(filename)}", line (\d+)', output)
    return int(lines[-1]) if lines else None


def verify(root: Path) -> int:
    """Run every program: a bug program must fail printing its ``# error:`` text, a fix must exit 0."""
    failures = 0
    for path in program_files(root):
        text = path.read_text(encoding="utf-8")
        device = DEVICE_HEADER.search(text)
        if device and device.group(1) == "fake-cuda":
            command = [sys.executable, "-m", "pt_lsp", "run", "--device", "fake-cuda", "--no-save", "--no-crosscheck"]
        else:
            command = [sys.executable]
        if WARNINGS_HEADER.search(text):
            command[1:1] = ["-W", "error::UserWarning"]
        try:
            done = subprocess.run(
                [*command, str(path)], capture_output=True, text=True, cwd=path.parent, timeout=VERIFY_TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            print(f"FAIL {relative(path, root)}: timed out")
            failures += 1
            continue
        output = done.stdout + done.stderr
        name = relative(path, root)
        expected = ERROR_HEADER.search(text)
        if is_ok_file(path.name):
            good, why = done.returncode == 0, f"exit {done.returncode}: {output.strip()[-300:]}"
        elif expected is None:
            good, why = False, "no `# error:` header"
        else:
            good = done.returncode != 0 and expected.group(1) in output
            why = f"exit {done.returncode}, expected {expected.group(1)!r}: {output.strip()[-300:]}"
            raised_at = raising_line(output, path.name)
            marked = {bug.line for bug in markers(text, name)}
            if good and not SYMPTOM_HEADER.search(text) and raised_at not in marked:
                good, why = False, f"raised at line {raised_at}, not on a `# bug:` line {sorted(marked)}"
        print(f"{'ok  ' if good else 'FAIL'} {name}" + ("" if good else f": {why}"))
        failures += not good
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the set (default: benchmarks/recall)")
    parser.add_argument("--output", type=Path, help="write the table here instead of stdout")
    parser.add_argument("--verify", action="store_true", help="run the programs under torch instead of linting")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(f"recall: {args.root} is not a directory", file=sys.stderr)
        return 2
    # absolute, because the programs and pt-lsp run from inside the set (a relative root would be doubled)
    root = args.root.resolve()
    if args.verify:
        return verify(root)
    text = measure(root)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
