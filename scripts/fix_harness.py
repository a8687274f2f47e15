"""Proof that fixes are safe: apply every fix (safe and unsafe) to many files and check invariants.

    python scripts/fix_harness.py [PATH...] [--copy-torch] [--jobs N] [--verbose]

For every file that parses, fixes are applied round by round as ``fix_source`` does, and:

- every result parses (and compiles);
- fixes converge within 3 rounds, and ``fix_source`` agrees (same text, ``converged``);
- a second run on the fixed text offers nothing more to fix;
- no two edits of one fix overlap, nor two of the edits chosen in one round, and every edit
  lies inside the document;
- nothing outside the findings' statements changes, except imports (see ``statements.py``);
- linting never reports an internal error.

``--copy-torch`` also copies the ``.py`` files of the installed torch package (found without
importing torch) to a temporary folder and runs over the copy, writing the fixed files there.
Prints the figures and exits 1 on any violation.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fix_statements import changes_outside

from pt_lsp.core.document import Document
from pt_lsp.core.engine import lint_source
from pt_lsp.core.findings import Edit, FileResult, Fix
from pt_lsp.core.fixes import apply_edits, choose_fixes, fix_source

MAX_ROUNDS_ALLOWED = 3  # the bar: fixes converge within 3 rounds
HARD_LIMIT = 10  # rounds tried before giving up on a file

Lint = Callable[[str, str], FileResult]


@dataclass
class FileReport:
    path: str
    parsed: bool = True
    findings: int = 0  # findings of the first lint
    by_rule: dict[str, int] = field(default_factory=dict)  # findings of the first lint per code
    fixes_applied: int = 0  # over all rounds
    rounds: int = 0
    text: str = ""  # the fixed text
    unparsable: list[str] = field(default_factory=list)
    not_converged: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)  # fixable findings after convergence
    overlaps: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)  # changes outside the findings' statements
    errors: list[str] = field(default_factory=list)  # internal errors of the linter

    @property
    def violations(self) -> list[str]:
        return [*self.unparsable, *self.not_converged, *self.leftovers, *self.overlaps, *self.outside, *self.errors]


def _edit_overlap(a: Edit, b: Edit) -> bool:
    """Same notion as the fixer's: intersecting ranges, or two insertions at one point."""
    if a.span.start == a.span.end == b.span.start == b.span.end:
        return True
    return a.span.start < b.span.end and b.span.start < a.span.end


def overlapping_pairs(edits: Iterable[Edit]) -> list[tuple[Edit, Edit]]:
    ordered = sorted(edits)
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :] if _edit_overlap(a, b)]


def _describe(edit: Edit) -> str:
    s, e = edit.span.start, edit.span.end
    return f"{s.line}:{s.col}-{e.line}:{e.col} {edit.content!r}"


def check_edits(doc: Document, fix: Fix, where: str) -> list[str]:
    problems = []
    for a, b in overlapping_pairs(fix.edits):
        problems.append(f"{where}: edits of fix {fix.title!r} overlap: {_describe(a)} / {_describe(b)}")
    for edit in fix.edits:
        span = edit.span
        if span.end < span.start or doc.clamp(span.start) != span.start or doc.clamp(span.end) != span.end:
            problems.append(f"{where}: edit of fix {fix.title!r} lies outside the document: {_describe(edit)}")
    return problems


def parses(text: str, path: str) -> str | None:
    """None when ``text`` parses and compiles, else the error."""
    try:
        compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def _default_lint(text: str, path: str) -> FileResult:
    return lint_source(text, path)


def check_source(text: str, path: str = "<memory>", lint: Lint | None = None) -> FileReport:
    """Apply all fixes round by round and record every violated invariant."""
    report = FileReport(path, text=text)
    if parses(text, path) is not None:
        report.parsed = False
        return report
    lint = lint or _default_lint
    current = text
    for round_number in range(1, HARD_LIMIT + 1):
        result = lint(current, path)
        report.errors.extend(f"{path}: {e}" for e in result.errors)
        if round_number == 1:
            report.findings = len(result.findings)
            for f in result.findings:
                report.by_rule[f.code] = report.by_rule.get(f.code, 0) + 1
        doc = Document(current)
        for finding in result.findings:
            for fix in finding.fixes:
                where = f"{path}:{finding.line}: {finding.code} (round {round_number})"
                report.overlaps.extend(check_edits(doc, fix, where))
        chosen, edits = choose_fixes(result.findings, unsafe=True)
        if not chosen:
            break
        where = f"{path} (round {round_number})"
        report.overlaps.extend(
            f"{where}: chosen edits overlap: {_describe(a)} / {_describe(b)}" for a, b in overlapping_pairs(edits)
        )
        try:
            fixed = apply_edits(current, edits)
        except ValueError as error:
            report.overlaps.append(f"{where}: edits could not be applied: {error}")
            return report
        problem = parses(fixed, path)
        if problem is not None:
            codes = ", ".join(sorted({f.code for f in chosen}))
            report.unparsable.append(f"{where}: fixes of {codes} give code that does not parse: {problem}")
            return report
        report.outside.extend(f"{where}: {o}" for o in changes_outside(current, fixed, chosen, edits))
        report.fixes_applied += len(chosen)
        report.rounds = round_number
        current = fixed
    else:
        report.not_converged.append(f"{path}: still fixing after {HARD_LIMIT} rounds")
    report.text = current
    if report.rounds > MAX_ROUNDS_ALLOWED:
        report.not_converged.append(f"{path}: needed {report.rounds} rounds (at most {MAX_ROUNDS_ALLOWED})")
    _second_run(report, path, lint)
    if lint is _default_lint and report.rounds:
        _agrees_with_fix_source(report, text, path)
    return report


def _second_run(report: FileReport, path: str, lint: Lint) -> None:
    result = lint(report.text, path)
    chosen, _ = choose_fixes(result.findings, unsafe=True)
    report.leftovers.extend(
        f"{path}:{f.line}: {f.code} still offers a fix after fixing: {f.fix.title!r}" for f in chosen
    )


def _agrees_with_fix_source(report: FileReport, text: str, path: str) -> None:
    outcome = fix_source(text, path, unsafe=True)
    if not outcome.converged or outcome.rounds > MAX_ROUNDS_ALLOWED:
        report.not_converged.append(f"{path}: fix_source took {outcome.rounds} rounds, converged={outcome.converged}")
    if outcome.text != report.text:
        report.not_converged.append(f"{path}: fix_source's result differs from the round-by-round result")
    report.errors.extend(f"{path}: fix_source: {e}" for e in outcome.errors if "does not parse" in e)


def check_file(path: str) -> FileReport:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return FileReport(
            path,
            parsed=False,
            errors=[] if isinstance(error, UnicodeDecodeError) else [f"{path}: cannot read: {error}"],
        )
    return check_source(text, path)


# -- the command ------------------------------------------------------------------------------------
def python_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*.py")) if p.is_file())
        elif path.suffix == ".py":
            files.append(path)
    return files


def torch_source() -> Path:
    spec = importlib.util.find_spec("torch")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("torch is not installed here")
    return Path(next(iter(spec.submodule_search_locations)))


def copy_python_tree(source: Path, target: Path) -> Path:
    def ignore(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()]

    shutil.copytree(source, target, ignore=ignore)
    return target


@dataclass
class Totals:
    files: int = 0
    unparsed_inputs: int = 0
    findings: int = 0
    fixes_applied: int = 0
    files_changed: int = 0
    unparsable: int = 0
    not_converged: int = 0
    outside: int = 0
    overlaps: int = 0
    leftovers: int = 0
    errors: int = 0
    max_rounds: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)

    def add(self, r: FileReport) -> None:
        self.files += 1
        for code, count in r.by_rule.items():
            self.by_rule[code] = self.by_rule.get(code, 0) + count
        self.unparsed_inputs += not r.parsed
        self.findings += r.findings
        self.fixes_applied += r.fixes_applied
        self.files_changed += r.rounds > 0
        self.max_rounds = max(self.max_rounds, r.rounds)
        for name in ("unparsable", "not_converged", "outside", "overlaps", "leftovers", "errors"):
            setattr(self, name, getattr(self, name) + bool(getattr(r, name)))

    def lines(self) -> list[str]:
        return [
            f"files checked:                         {self.files}",
            f"  inputs that do not parse (skipped):  {self.unparsed_inputs}",
            f"findings (first lint):                 {self.findings}"
            + (f" ({', '.join(f'{c}: {n}' for c, n in sorted(self.by_rule.items()))})" if self.by_rule else ""),
            f"fixes applied (all rounds):            {self.fixes_applied}",
            f"files changed:                         {self.files_changed} (most rounds: {self.max_rounds})",
            f"unparsable results:                    {self.unparsable}",
            f"non-converging files:                  {self.not_converged}",
            f"files with fixes left after fixing:    {self.leftovers}",
            f"files with overlapping edits:          {self.overlaps}",
            f"files with changes outside statements: {self.outside}",
            f"files with internal errors:            {self.errors}",
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Apply all fixes and check that they are safe.")
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--copy-torch", action="store_true", help="also run over a copy of the installed torch")
    parser.add_argument("--keep", action="store_true", help="keep the fixed torch copy and print where")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--verbose", action="store_true", help="list every violation (default: first 30)")
    args = parser.parse_args(argv)
    if not args.paths and not args.copy_torch:
        parser.error("give PATHs or --copy-torch")
    workdir = None
    paths = list(args.paths)
    if args.copy_torch:
        workdir = Path(tempfile.mkdtemp(prefix="pt-lsp-fix-harness-"))
        paths.append(copy_python_tree(torch_source(), workdir / "torch"))
    files = [str(p) for p in python_files(paths)]
    started, totals, violations = time.monotonic(), Totals(), []
    try:
        with ProcessPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
            for report in pool.map(check_file, files, chunksize=8):
                totals.add(report)
                violations.extend(report.violations)
                if workdir is not None and report.rounds and str(workdir) in report.path:
                    Path(report.path).write_text(report.text, encoding="utf-8")
    finally:
        if workdir is not None and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\n".join(totals.lines()))
    print(f"time: {time.monotonic() - started:.1f} s")
    if workdir is not None and args.keep:
        print(f"fixed torch copy: {workdir}")
    if violations:
        shown = violations if args.verbose else violations[:30]
        print(f"\nviolations ({len(violations)}):")
        print("\n".join(f"  {v}" for v in shown))
        if len(shown) < len(violations):
            print(f"  ... {len(violations) - len(shown)} more (--verbose)")
    return 1 if violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
