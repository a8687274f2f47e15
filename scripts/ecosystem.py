#!/usr/bin/env python3
"""Lint pinned real PyTorch projects with pt-lsp and compare the findings with a committed baseline.

Like ruff's ecosystem check: a change to a rule shows up as findings added or removed on real code.

    python scripts/ecosystem.py                    # download (cached), lint, compare, exit 0
    python scripts/ecosystem.py --fail-on-change   # exit 1 if any finding was added or removed
    python scripts/ecosystem.py --update-baseline  # accept the current findings as the baseline
    python scripts/ecosystem.py --only timm,fastai # a subset (the others' baseline is left alone)

Sources are fetched with ``pip download --no-deps`` into ``~/.cache/pt-lsp-ecosystem`` (``--cache``),
never into the repository. Standard library only, plus pip and pt-lsp run as subprocesses.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pt-lsp itself depends on tomli before 3.11
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PROJECTS = REPO / "scripts" / "ecosystem_projects.toml"
DEFAULT_BASELINE = REPO / "benchmarks" / "ecosystem" / "baseline.json"
DEFAULT_CACHE = Path.home() / ".cache" / "pt-lsp-ecosystem"
BASELINE_FORMAT = 1
COMPLETE_MARKER = ".pt-lsp-ecosystem-complete"  # written last, so a half-extracted tree is redone
INTERNAL_EXIT = 2  # pt-lsp's exit code for an internal or usage error
SYNTAX_ERROR = "PTL000"

Key = tuple[str, str, str, str, int]


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    dist: str  # "sdist" or "wheel"

    @property
    def slug(self) -> str:
        return f"{self.name}-{self.version}"


@dataclass(frozen=True)
class Finding:
    project: str
    path: str  # relative to the project root, with forward slashes
    code: str
    text: str  # the stripped source line: unlike the row, it survives unrelated edits above it
    occurrence: int  # tells apart identical (project, path, code, text) findings, in source order
    row: int  # for display only: not part of the key
    message: str

    def key(self) -> Key:
        return (self.project, self.path, self.code, self.text, self.occurrence)

    def describe(self) -> str:
        return f"{self.project}:{self.path}:{self.row} {self.code} {self.message}"


@dataclass
class ProjectRun:
    project: Project
    files: int = 0
    lines: int = 0
    findings: list[Finding] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)

    @property
    def syntax_errors(self) -> int:
        return sum(1 for f in self.findings if f.code == SYNTAX_ERROR)


@dataclass
class Comparison:
    added: list[Finding]
    removed: list[Finding]
    before: Counter[str]
    after: Counter[str]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


# -- projects and sources -------------------------------------------------------------------------


def load_projects(path: Path) -> list[Project]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    projects = [Project(p["name"], p["version"], p.get("dist", "sdist")) for p in data["project"]]
    for project in projects:
        if project.dist not in ("sdist", "wheel"):
            raise SystemExit(f"{path}: {project.name}: dist must be 'sdist' or 'wheel', not {project.dist!r}")
    return projects


def pip_download_command(project: Project, dest: Path) -> list[str]:
    # --no-deps: only the project's own code is linted, its dependencies are other projects' business
    kind = ["--no-binary", ":all:"] if project.dist == "sdist" else ["--only-binary", ":all:"]
    spec = f"{project.name}=={project.version}"
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", *kind, "-d", str(dest), spec]


def download(project: Project, cache: Path) -> Path:
    dest = cache / "downloads" / project.slug
    existing = archives_in(dest)
    if existing:
        return existing[0]
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(pip_download_command(project, dest), check=True)
    found = archives_in(dest)
    if not found:
        raise SystemExit(f"{project.slug}: pip downloaded no archive into {dest}")
    return found[0]


def archives_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.endswith((".tar.gz", ".tgz", ".zip", ".whl")))


def extract(archive: Path, dest: Path) -> None:
    if archive.name.endswith((".zip", ".whl")):
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(dest)  # zipfile drops absolute paths and ".." itself
    else:
        with tarfile.open(archive) as tarred:
            tarred.extractall(dest, filter="data")  # refuses links and paths that leave dest


def source_root(extracted: Path) -> Path:
    """An sdist unpacks into one ``name-version/`` folder: that is the root; a wheel has none."""
    entries = [p for p in extracted.iterdir() if p.name != COMPLETE_MARKER]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return extracted


def prepare(project: Project, cache: Path) -> Path:
    extracted = cache / "src" / project.slug
    if not (extracted / COMPLETE_MARKER).exists():
        archive = download(project, cache)
        shutil.rmtree(extracted, ignore_errors=True)
        extracted.mkdir(parents=True)
        extract(archive, extracted)
        (extracted / COMPLETE_MARKER).write_text(archive.name + "\n")
    return source_root(extracted)


def python_files(root: Path) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(folder) / name for name in sorted(files) if name.endswith(".py"))
    return found


def count_lines(paths: Iterable[Path]) -> int:
    total = 0
    for path in paths:
        with path.open("rb") as handle:
            total += sum(1 for _ in handle)
    return total


# -- linting --------------------------------------------------------------------------------------


def default_pt_lsp() -> str:
    local = REPO / ".venv" / "bin" / "pt-lsp"
    return str(local) if local.exists() else "pt-lsp"


def run_pt_lsp(pt_lsp: str, root: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The raw JSON findings and the internal errors (stderr ``error:`` lines, or exit code 2)."""
    command = [pt_lsp, "check", str(root), "--select", "ALL", "--output-format", "json", "--exit-zero"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    if done.returncode == INTERNAL_EXIT and not errors:
        errors.append(f"exit code {INTERNAL_EXIT}: {done.stderr.strip()[-500:]}")
    elif done.returncode not in (0, INTERNAL_EXIT):
        raise SystemExit(f"pt-lsp failed on {root} with exit code {done.returncode}:\n{done.stderr}")
    raw = json.loads(done.stdout) if done.stdout.strip() else []
    return raw, errors


def source_line(path: Path, row: int, cell: int | None) -> str:
    """The stripped text of a finding's line: from the file, or from the notebook cell (1-based)."""
    try:
        if cell is None:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        else:
            source = json.loads(path.read_text(encoding="utf-8"))["cells"][cell - 1]["source"]
            lines = ("".join(source) if isinstance(source, list) else str(source)).splitlines()
    except (OSError, ValueError, LookupError, TypeError):
        return ""
    return lines[row - 1].strip() if 0 < row <= len(lines) else ""


def relative(filename: str, root: Path) -> str:
    return Path(os.path.relpath(os.path.realpath(filename), os.path.realpath(root))).as_posix()


def to_findings(project: str, root: Path, raw: Sequence[dict[str, Any]]) -> list[Finding]:
    rows = []
    for item in raw:
        row, column = item["location"]["row"], item["location"]["column"]
        text = source_line(Path(item["filename"]), row, item.get("cell"))
        path = relative(item["filename"], root)
        if item.get("cell") is not None:
            path = f"{path}#cell{item['cell']}"  # a row is only meaningful within its cell
        rows.append((path, row, column, item["code"], text, item["message"]))
    return with_occurrences(project, rows)


def with_occurrences(project: str, rows: Iterable[tuple[str, int, int, str, str, str]]) -> list[Finding]:
    """Number identical (path, code, text) findings 0, 1, ... in source order, so that each key is unique."""
    seen: Counter[tuple[str, str, str]] = Counter()
    findings = []
    for path, row, _column, code, text, message in sorted(rows):
        index = seen[(path, code, text)]
        seen[(path, code, text)] += 1
        findings.append(Finding(project, path, code, text, index, row, message))
    return findings


def lint_project(project: Project, cache: Path, pt_lsp: str) -> ProjectRun:
    root = prepare(project, cache)
    files = python_files(root)
    raw, errors = run_pt_lsp(pt_lsp, root)
    run = ProjectRun(project, len(files), count_lines(files), to_findings(project.name, root, raw), errors)
    return run


# -- baseline and comparison ----------------------------------------------------------------------


def finding_to_json(finding: Finding) -> dict[str, Any]:
    return {
        "project": finding.project,
        "path": finding.path,
        "code": finding.code,
        "text": finding.text,
        "occurrence": finding.occurrence,
        "row": finding.row,
        "message": finding.message,
    }


def finding_from_json(item: dict[str, Any]) -> Finding:
    return Finding(
        item["project"], item["path"], item["code"], item["text"], item["occurrence"], item["row"], item["message"]
    )


def baseline_json(runs: Sequence[ProjectRun], kept: Sequence[Finding] = (), kept_projects: dict | None = None) -> str:
    """The baseline file's text: sorted, one finding per line, so that its git diffs read like the report."""
    projects = dict(kept_projects or {})
    for run in runs:
        projects[run.project.name] = {"version": run.project.version, "files": run.files, "lines": run.lines}
    findings = sorted([*kept, *(f for run in runs for f in run.findings)], key=Finding.key)
    rows = ",\n".join("  " + json.dumps(finding_to_json(f), ensure_ascii=False) for f in findings)
    header = f'{{\n "format": {BASELINE_FORMAT},\n "projects": {json.dumps(projects, sort_keys=True, indent=2)},\n'
    return header + ' "findings": [\n' + rows + ("\n" if rows else "") + " ]\n}\n"


def load_baseline(path: Path) -> tuple[dict[str, Any], list[Finding]] | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != BASELINE_FORMAT:
        raise SystemExit(f"{path}: baseline format {data.get('format')!r}, expected {BASELINE_FORMAT}")
    return data["projects"], [finding_from_json(item) for item in data["findings"]]


def compare(baseline: Sequence[Finding], current: Sequence[Finding]) -> Comparison:
    before = {f.key(): f for f in baseline}
    after = {f.key(): f for f in current}
    added = sorted((after[k] for k in after.keys() - before.keys()), key=in_source_order)
    removed = sorted((before[k] for k in before.keys() - after.keys()), key=in_source_order)
    return Comparison(added, removed, Counter(f.code for f in baseline), Counter(f.code for f in current))


def in_source_order(finding: Finding) -> tuple[str, str, int, str, int]:
    return (finding.project, finding.path, finding.row, finding.code, finding.occurrence)


# -- report ---------------------------------------------------------------------------------------


def project_table(runs: Sequence[ProjectRun]) -> list[str]:
    lines = [f"{'project':<26} {'version':<9} {'files':>6} {'lines':>8} {'findings':>9} {'syntax':>6} {'internal':>8}"]
    for run in runs:
        p = run.project
        lines.append(
            f"{p.name:<26} {p.version:<9} {run.files:>6} {run.lines:>8} {len(run.findings):>9}"
            f" {run.syntax_errors:>6} {len(run.internal_errors):>8}"
        )
    files, total = sum(r.files for r in runs), sum(r.lines for r in runs)
    findings = sum(len(r.findings) for r in runs)
    syntax, internal = sum(r.syntax_errors for r in runs), sum(len(r.internal_errors) for r in runs)
    lines.append(f"{'total':<26} {'':<9} {files:>6} {total:>8} {findings:>9} {syntax:>6} {internal:>8}")
    return lines


def rule_table(comparison: Comparison) -> list[str]:
    added = Counter(f.code for f in comparison.added)
    removed = Counter(f.code for f in comparison.removed)
    codes = sorted(set(comparison.before) | set(comparison.after))
    lines = [f"{'rule':<8} {'baseline':>8} -> {'now':>6} {'added':>6} {'removed':>8}"]
    for code in codes:
        lines.append(
            f"{code:<8} {comparison.before[code]:>8} -> {comparison.after[code]:>6}"
            f" {'+' + str(added[code]):>6} {'-' + str(removed[code]):>8}"
        )
    return lines


def change_lines(comparison: Comparison, limit: int) -> list[str]:
    lines = []
    for sign, findings in (("+", comparison.added), ("-", comparison.removed)):
        shown = findings if limit <= 0 else findings[:limit]
        lines.extend(f"{sign} {finding.describe()}" for finding in shown)
        if len(shown) < len(findings):
            lines.append(f"{sign} ... and {len(findings) - len(shown)} more")
    return lines


def report(runs: Sequence[ProjectRun], comparison: Comparison, limit: int) -> str:
    lines = [*project_table(runs), ""]
    lines.extend(rule_table(comparison))
    lines.append("")
    lines.append(f"{len(comparison.added)} added, {len(comparison.removed)} removed")
    lines.extend(change_lines(comparison, limit))
    for run in runs:
        lines.extend(f"internal error in {run.project.name}: {error}" for error in run.internal_errors)
    return "\n".join(lines) + "\n"


# -- command line ---------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="download and extraction folder")
    parser.add_argument("--projects", type=Path, default=DEFAULT_PROJECTS, help="the pinned project list (TOML)")
    parser.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    parser.add_argument("--pt-lsp", default=default_pt_lsp(), help="the pt-lsp executable")
    parser.add_argument("--only", default="", help="comma-separated project names to run (default: all)")
    parser.add_argument("--update-baseline", action="store_true", help="write the current findings as the baseline")
    parser.add_argument("--fail-on-change", action="store_true", help="exit 1 if any finding was added or removed")
    parser.add_argument("--limit", type=int, default=0, help="list at most N added and N removed findings (0: all)")
    return parser.parse_args(argv)


def chosen_projects(projects: Sequence[Project], only: str) -> list[Project]:
    names = {n.strip() for n in only.split(",") if n.strip()}
    unknown = names - {p.name for p in projects}
    if unknown:
        raise SystemExit(f"unknown project(s): {', '.join(sorted(unknown))}")
    return [p for p in projects if not names or p.name in names]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    listed = load_projects(args.projects)
    projects = chosen_projects(listed, args.only)
    names = {p.name for p in projects}
    # a baseline entry of a listed project that did not run is kept; one of a delisted project is dropped
    skipped = {p.name for p in listed} - names
    runs = []
    for project in projects:
        print(f"linting {project.slug} ...", file=sys.stderr)
        runs.append(lint_project(project, args.cache, args.pt_lsp))
    loaded = load_baseline(args.baseline)
    old_projects, old_findings = loaded if loaded is not None else ({}, [])
    # only the projects that ran are compared: --only must not report the others as removed
    baseline = [f for f in old_findings if f.project in names]
    comparison = compare(baseline, [f for run in runs for f in run.findings])
    if loaded is None:
        print(f"no baseline at {args.baseline}: every finding counts as added", file=sys.stderr)
    sys.stdout.write(report(runs, comparison, args.limit))
    if args.update_baseline:
        kept = [f for f in old_findings if f.project in skipped]
        kept_projects = {name: info for name, info in old_projects.items() if name in skipped}
        args.baseline.parent.mkdir(parents=True, exist_ok=True)
        args.baseline.write_text(baseline_json(runs, kept, kept_projects), encoding="utf-8")
        print(f"baseline written to {args.baseline}", file=sys.stderr)
    return 1 if args.fail_on_change and comparison.changed else 0


if __name__ == "__main__":
    sys.exit(main())
