"""Precision and recall of the core rules on the realistic corpus in ``files/``.

Each corpus file marks the lines where a finding must be reported with a trailing comment
``# expect: PTL401`` (several codes: ``# expect: PTL102, PTL401``). This script lints the corpus
with ``pt-lsp check --output-format json`` (in-process through the engine when the CLI does not
exist yet, or with ``--in-process``), compares (file, line, code) with the markers and prints
per-rule TP/FP/FN, precision and recall, then every false positive and false negative.

    python tests/corpus/evaluate.py [--in-process] [--check] [PATH...]

``--check`` exits 1 when the bar of issue 2 (precision >= 0.9, recall >= 0.8) is missed or an
internal error happened; otherwise the exit code is 0.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "files"
REPO = Path(__file__).resolve().parents[2]
CORE_CODES = ("PTL101", "PTL102", "PTL201", "PTL301", "PTL401")
PRECISION_BAR, RECALL_BAR = 0.9, 0.8
# Same marker format as pt_lsp.core.examples, restated so the corpus does not depend on it.
MARKER = re.compile(r"#\s*expect:\s*(?P<codes>PTL\d{3}(?:\s*,\s*PTL\d{3})*)\s*$")

Key = tuple[str, int, str]  # (file name, 1-based line, code)


@dataclass
class RuleScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Evaluation:
    files: list[Path]
    expected: set[Key]
    reported: dict[Key, str]  # key -> message
    errors: list[str] = field(default_factory=list)  # internal errors, unreadable files
    other: dict[Key, str] = field(default_factory=dict)  # codes outside the core rules, unscored
    engine: str = ""

    @property
    def false_positives(self) -> list[Key]:
        return sorted(set(self.reported) - self.expected)

    @property
    def false_negatives(self) -> list[Key]:
        return sorted(self.expected - set(self.reported))

    def score(self, code: str | None = None) -> RuleScore:
        def keep(key: Key) -> bool:
            return code is None or key[2] == code

        reported = {k for k in self.reported if keep(k)}
        expected = {k for k in self.expected if keep(k)}
        return RuleScore(len(reported & expected), len(reported - expected), len(expected - reported))

    def meets_bar(self) -> bool:
        total = self.score()
        return not self.errors and total.precision >= PRECISION_BAR and total.recall >= RECALL_BAR


def expected_findings(path: Path) -> set[Key]:
    keys = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = MARKER.search(line)
        if match:
            keys.update((path.name, number, c.strip()) for c in match["codes"].split(","))
    return keys


def corpus_files(paths: list[Path] | None = None) -> list[Path]:
    found: list[Path] = []
    for path in paths or [CORPUS]:
        found.extend(sorted(path.glob("case_*.py")) if path.is_dir() else [path])
    return found


def _lint_cli(files: list[Path]) -> tuple[list[dict], list[str]]:
    """Findings as the JSON of ``pt-lsp check``; exit code 2 or stderr output are errors."""
    command = [sys.executable, "-m", "pt_lsp", "check", *map(str, files), "--output-format", "json", "--exit-zero"]
    done = subprocess.run(command, check=False, capture_output=True, text=True, cwd=REPO, timeout=600)
    errors = []
    if done.returncode != 0:
        errors.append(f"pt-lsp check exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    elif done.stderr.strip():
        errors.append(f"pt-lsp check wrote to stderr: {done.stderr.strip()[-2000:]}")
    try:
        records = json.loads(done.stdout or "[]")
    except json.JSONDecodeError as error:
        return [], errors + [f"pt-lsp check printed invalid JSON ({error}): {done.stdout[:500]!r}"]
    return records, errors


def _lint_in_process(files: list[Path]) -> tuple[list[dict], list[str]]:
    """The same records built from the engine, for when the CLI does not exist yet."""
    from pt_lsp.core.engine import lint_source

    records, errors = [], []
    for path in files:
        result = lint_source(path.read_text(encoding="utf-8"), str(path))
        errors.extend(f"{path.name}: {e}" for e in result.errors)
        if result.message:
            errors.append(f"{path.name}: {result.message}")
        records.extend(
            {
                "code": f.code,
                "message": f.message,
                "filename": str(path),
                "location": {"row": f.span.start.line, "column": f.span.start.col + 1},
            }
            for f in result.findings
        )
    return records, errors


def evaluate(paths: list[Path] | None = None, in_process: bool | None = None) -> Evaluation:
    files = corpus_files(paths)
    if in_process is None:
        in_process = not (REPO / "pt_lsp" / "cli.py").exists()
    records, errors = (_lint_in_process if in_process else _lint_cli)(files)
    evaluation = Evaluation(
        files,
        set().union(*map(expected_findings, files)),
        {},
        errors,
        engine="in-process engine" if in_process else "pt-lsp check (CLI)",
    )
    for record in records:
        key = (Path(record["filename"]).name, int(record["location"]["row"]), record["code"])
        if record["code"] == "PTL000":
            evaluation.errors.append(f"{key[0]}:{key[1]}: syntax error reported: {record['message']}")
        elif record["code"] in CORE_CODES:
            evaluation.reported[key] = record["message"]
        else:
            evaluation.other[key] = record["message"]
    return evaluation


def _source_line(evaluation: Evaluation, name: str, line: int) -> str:
    for path in evaluation.files:
        if path.name == name:
            lines = path.read_text(encoding="utf-8").splitlines()
            return lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return ""


def report(evaluation: Evaluation) -> str:
    out = [
        (f"corpus: {len(evaluation.files)} files, {len(evaluation.expected)} expected findings ({evaluation.engine})"),
        "",
        f"{'rule':<8} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}",
    ]
    for code in CORE_CODES + (None,):
        s = evaluation.score(code)
        out.append(f"{code or 'all':<8} {s.tp:>4} {s.fp:>4} {s.fn:>4} {s.precision:>10.3f} {s.recall:>8.3f}")
    out.append(
        f"\nbar: precision >= {PRECISION_BAR}, recall >= {RECALL_BAR}: "
        + ("met" if evaluation.meets_bar() else "NOT met")
    )
    for title, keys in (
        ("false positives", evaluation.false_positives),
        ("false negatives", evaluation.false_negatives),
    ):
        out.append(f"\n{title} ({len(keys)}):")
        for name, line, code in keys:
            message = evaluation.reported.get((name, line, code), "")
            out.append(
                f"  {name}:{line}: {code}  {_source_line(evaluation, name, line)}"
                + (f"\n      -> {message}" if message else "")
            )
    if evaluation.other:
        out.append(f"\nfindings of other codes (not scored): {len(evaluation.other)}")
    if evaluation.errors:
        out.append(f"\nerrors ({len(evaluation.errors)}):")
        out.extend(f"  {e}" for e in evaluation.errors)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="corpus files or folders (default: files/)")
    parser.add_argument("--in-process", action="store_true", help="lint through the engine, not the CLI")
    parser.add_argument("--check", action="store_true", help="exit 1 when the bar is missed")
    args = parser.parse_args(argv)
    evaluation = evaluate(args.paths or None, in_process=True if args.in_process else None)
    print(report(evaluation))
    return 1 if args.check and not evaluation.meets_bar() else 0


if __name__ == "__main__":
    raise SystemExit(main())
