"""`pt-lsp check`: find the files, lint (or fix) them in parallel, report, choose the exit code.

Exit codes follow ruff: 0 clean, 1 findings (or, with ``--diff``, changes to make), 2 usage or
internal error (a crashed rule, a path that does not exist, a file that could not be written).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TextIO

from pt_lsp.core.config import ConfigError, ConfigFinder
from pt_lsp.core.discovery import discover
from pt_lsp.core.rule import all_rules
from pt_lsp.report import github, json_report, sarif, statistics, text
from pt_lsp.report.model import Located

from .lint_file import CHECK, DIFF, FIX, FileOutcome, FileTask, process

SERIAL_BELOW = 16  # fewer files than this are not worth starting worker processes for
EMPTY_LISTED = 5  # more empty files than this are summed up in one line
REPEATED_ERROR = 3  # the same error in more files than this is reported once


@dataclass
class CheckOptions:
    paths: list[str] = field(default_factory=list)
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    output_format: str = "text"
    statistics: bool = False
    exit_zero: bool = False
    jobs: int | None = None
    stdin_filename: str | None = None
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    fix_only: bool = False
    show_fixes: bool = False
    respect_gitignore: bool = True
    target_torch: tuple[int, int] | None = None  # --target-torch: wins over the project's

    @property
    def mode(self) -> str:
        if self.diff:
            return DIFF
        return FIX if self.fix or self.fix_only else CHECK


def run_tasks(tasks: list[FileTask], jobs: int) -> list[FileOutcome]:
    if jobs <= 1 or len(tasks) < SERIAL_BELOW:
        return [process(task) for task in tasks]
    all_rules()  # imported once here, so that forked workers inherit the rule modules
    outcomes: list[FileOutcome] = []
    chunk = max(1, len(tasks) // (jobs * 8))
    try:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for outcome in pool.map(process, tasks, chunksize=chunk):
                outcomes.append(outcome)
    except BrokenProcessPool:
        # a worker died (e.g. the interpreter crashed on a pathological file): say which were lost
        for task in tasks[len(outcomes) :]:
            outcomes.append(FileOutcome(task.path, errors=["internal error: a worker process died"]))
    return outcomes


class Check:
    def __init__(self, options: CheckOptions, stdout: TextIO, stderr: TextIO) -> None:
        self.options = options
        self.stdout = stdout
        self.stderr = stderr
        self.failed = False  # an internal or usage-level error happened: exit 2
        self.configs = ConfigFinder(self.refuse_config)
        self.stdin_data: bytes | None = None

    def warn(self, message: str) -> None:
        print(f"warning: {message}", file=self.stderr)

    @staticmethod
    def refuse_config(message: str) -> None:
        """Like ruff, the command line stops on a configuration it cannot honour (exit 2)."""
        raise ConfigError(message)

    def error(self, message: str) -> None:
        self.failed = True
        print(f"error: {message}", file=self.stderr)

    # -- planning ------------------------------------------------------------------------------
    def tasks(self) -> list[FileTask]:
        options = self.options
        reads_stdin = options.stdin_filename is not None or options.paths == ["-"]
        if reads_stdin:
            name = options.stdin_filename or "-"
            data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
            self.stdin_data = data
            return [self._task(name, data)]
        paths = [p for p in options.paths if p != "-"] or ["."]
        found = discover(paths, self.configs, options.respect_gitignore, self.warn)
        for missing in found.missing:
            self.error(f"{missing}: no such file or directory")
        return [self._task(path) for path in found.files]

    def _task(self, path: str, data: bytes | None = None) -> FileTask:
        config = self.configs.for_path(path)
        selection = config.selection(path, self.options.select, self.options.ignore)
        if self.options.target_torch is not None:
            selection = selection.targeting(self.options.target_torch)
        return FileTask(path, selection, self.options.mode, self.options.unsafe_fixes, data)

    # -- running -------------------------------------------------------------------------------
    def run(self) -> int:
        try:
            tasks = self.tasks()
        except ConfigError as problem:
            print(f"error: {problem}", file=self.stderr)
            return 2
        jobs = self.options.jobs or os.cpu_count() or 1
        outcomes = sorted(run_tasks(tasks, jobs), key=lambda o: o.path)
        self._messages(outcomes)
        findings = sorted((loc for o in outcomes for loc in o.findings), key=Located.sort_key)
        fixed = {o.path: o.fixed for o in outcomes if o.fixed}
        fixed_count = sum(sum(c.values()) for c in fixed.values())
        if self.options.stdin_filename is not None or self.options.paths == ["-"]:
            changes = self._stdin_output(outcomes[0] if outcomes else None)
        else:
            changes = self._diffs(outcomes)
        self._report(findings, fixed, fixed_count)
        if self.failed:
            return 2
        if self.options.diff:
            return 1 if changes else 0
        if self.options.fix_only or self.options.exit_zero:
            return 0
        return 1 if findings else 0

    def _messages(self, outcomes: list[FileOutcome]) -> None:
        # an empty __init__.py is the normal case, not worth a word
        empty = [o.path for o in outcomes if o.empty and os.path.basename(o.path) != "__init__.py"]
        by_message: dict[str, list[str]] = {}
        for outcome in outcomes:
            if outcome.skipped:
                self.warn(f"skipping {outcome.path}: {outcome.skipped}")
            for message in outcome.warnings:
                self.warn(f"{outcome.path}: {message}")
            for message in outcome.errors:
                by_message.setdefault(message, []).append(outcome.path)
        # an error that is not about one file (a rule module that fails to import) is said once
        for message, paths in by_message.items():
            if len(paths) > REPEATED_ERROR:
                self.error(f"{message} (in {len(paths)} files, e.g. {paths[0]})")
            else:
                for path in paths:
                    self.error(f"{path}: {message}")
        if len(empty) <= EMPTY_LISTED:
            for path in empty:
                self.warn(f"skipping {path}: empty file")
        else:
            self.warn(f"skipping {len(empty)} empty files (e.g. {empty[0]})")

    def _diffs(self, outcomes: list[FileOutcome]) -> bool:
        diffs = [o.diff for o in outcomes if o.diff]
        if self.options.diff:
            self.stdout.write("".join(diffs))
        return bool(diffs)

    def _stdin_output(self, outcome: FileOutcome | None) -> bool:
        """With stdin, --fix prints the fixed source (ruff does the same) and --diff the diff."""
        if outcome is None or self.options.mode == CHECK:
            return False
        if self.options.diff:
            self.stdout.write(outcome.diff)
            return bool(outcome.diff)
        if outcome.output is not None:
            self._write_bytes(outcome.output)
        elif self.stdin_data is not None:  # nothing to fix: the source goes through unchanged
            self._write_bytes(self.stdin_data)
        return outcome.output is not None

    def _write_bytes(self, data: bytes) -> None:
        """The source exactly as it is (its encoding, its line endings), not re-encoded."""
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is None:
            self.stdout.write(data.decode("utf-8", "replace"))
            return
        self.stdout.flush()
        buffer.write(data)
        buffer.flush()

    # -- reporting -----------------------------------------------------------------------------
    def _summary(self, out: TextIO, findings: list[Located], fixed_count: int) -> None:
        lines = text.check_summary(findings, fixed_count, self.options.unsafe_fixes, self.options.mode == FIX)
        if self.failed and not findings and not fixed_count:
            return  # not "All checks passed!" beside an error: something was not checked
        for line in lines:
            print(line, file=out)

    def _report(self, findings: list[Located], fixed: dict[str, Counter], fixed_count: int) -> None:
        options = self.options
        unsafe = options.unsafe_fixes
        stdin_fix = options.mode == FIX and (options.stdin_filename is not None or options.paths == ["-"])
        # with stdin and --fix the fixed source owns stdout: the report goes to stderr
        out = self.stderr if stdin_fix else self.stdout
        if options.diff:
            print(text.diff_summary(fixed_count, findings, unsafe), file=self.stderr)
            return
        if options.fix_only:
            if options.show_fixes:
                out.write("\n".join(text.show_fixes(fixed)) + ("\n" if fixed_count else ""))
            line = text.fix_only_summary(fixed_count, findings, unsafe)
            if line and options.output_format == "text":
                print(line, file=out)
            return
        if options.statistics:
            counts = statistics.count_rules(findings, unsafe)
            if options.output_format == "json":
                out.write(statistics.format_json(counts))
            else:
                out.write(statistics.format_text(counts))
            return
        fmt = options.output_format
        if fmt == "json":
            out.write(json_report.format_json(findings))
        elif fmt == "sarif":
            out.write(sarif.format_sarif(findings))
        elif fmt == "github":
            out.write(github.format_github(findings))
        elif fmt == "full":
            sources: dict[str, list[str] | None] = {}
            for loc in findings:
                if loc.filename not in sources:
                    sources[loc.filename] = _source_lines(loc.filename) if loc.cell is None else None
                print(text.format_full(loc, unsafe, sources[loc.filename]), file=out)
            self._summary(out, findings, fixed_count)
        else:
            for loc in findings:
                print(text.format_finding(loc, unsafe), file=out)
            if options.show_fixes and fixed_count:
                out.write("\n".join(text.show_fixes(fixed)) + "\n")
            self._summary(out, findings, fixed_count)


def _source_lines(filename: str) -> list[str] | None:
    """The file's lines for code frames; None where it cannot be read again (stdin)."""
    try:
        with open(filename, encoding="utf-8") as file:
            return file.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return None


def run(options: CheckOptions, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    return Check(options, stdout or sys.stdout, stderr or sys.stderr).run()
