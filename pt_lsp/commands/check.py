"""`pt-lsp check`: find the files, lint (or fix) them in parallel, report, choose the exit code.

Exit codes follow ruff: 0 clean, 1 findings (or, with ``--diff``, changes to make), 2 usage or
internal error (a crashed rule, a path that does not exist, a file that could not be written).
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from pt_lsp.core.config import NO_OVERRIDES, ConfigError, ConfigFinder, Overrides
from pt_lsp.core.discovery import discover, is_excluded
from pt_lsp.core.filefix import Unlintable, read_bytes
from pt_lsp.report import text
from pt_lsp.report.model import Located, plural

from .lint_file import ADD_NOQA, CHECK, DIFF, FIX, FileOutcome, FileTask
from .workers import SERIAL_BELOW, run_tasks

__all__ = ["SERIAL_BELOW", "Check", "CheckOptions", "run", "run_tasks"]

EMPTY_LISTED = 5  # more empty files than this are summed up in one line
REPEATED_ERROR = 3  # the same error in more files than this is reported once


@dataclass
class CheckOptions:
    paths: list[str] = field(default_factory=list)
    select: list[str] | None = None  # kept for callers of run(); the command line uses overrides
    ignore: list[str] = field(default_factory=list)
    output_format: str | None = None  # None: full on a terminal, concise otherwise
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
    overrides: Overrides = NO_OVERRIDES
    config_file: str | None = None
    isolated: bool = False
    show_settings: bool = False
    show_files: bool = False
    add_noqa: bool = False
    ignore_noqa: bool = False
    exit_non_zero_on_fix: bool = False
    output_file: str | None = None
    color: str = "auto"  # auto | always | never
    verbosity: str = "normal"  # silent | quiet | normal | verbose
    no_cache: bool = False
    cache_dir: str | None = None
    profile: bool = False

    @property
    def mode(self) -> str:
        if self.add_noqa:
            return ADD_NOQA
        if self.diff:
            return DIFF
        return FIX if self.fix or self.fix_only else CHECK

    @property
    def reads_stdin(self) -> bool:
        return self.stdin_filename is not None or self.paths == ["-"]


_TORCH_MARKER: list[str] = []


def _installed_torch() -> str:
    """The installed torch as its ``torch-X.Y.Z.dist-info`` folder (one listing of each path
    entry, cheaper than importlib.metadata): part of the cache key when no target is set."""
    if not _TORCH_MARKER:
        found = []
        for entry in sys.path:
            try:
                found += [
                    name for name in os.listdir(entry or ".") if name.startswith("torch-") and name.endswith("-info")
                ]
            except OSError:
                continue
        _TORCH_MARKER.append(",".join(sorted(found)) or "no torch")
    return _TORCH_MARKER[0]


def _colour(choice: str, stream: TextIO) -> bool:
    """``--color``: always/never, else ``NO_COLOR`` (no-color.org), ``FORCE_COLOR``, a TTY."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"


class Check:
    def __init__(self, options: CheckOptions, stdout: TextIO, stderr: TextIO) -> None:
        self.options = options
        self.stdout = stdout
        self.stderr = stderr
        self.failed = False  # an internal or usage-level error happened: exit 2
        overrides = options.overrides
        if options.select is not None or options.ignore:  # the older programmatic spelling
            select = tuple(options.select) if options.select is not None else overrides.select
            overrides = Overrides(**{**overrides.__dict__, "select": select, "ignore": tuple(options.ignore)})
        self.configs = ConfigFinder(self.refuse_config, overrides, options.config_file, options.isolated)
        self.stdin_data: bytes | None = None
        self.cache: Any = None  # pt_lsp.core.cache.Cache when the run uses one
        self.from_cache = 0
        self.profile: Counter[str] = Counter()

    def warn(self, message: str) -> None:
        if self.options.verbosity not in ("quiet", "silent"):
            print(f"warning: {message}", file=self.stderr)

    def info(self, message: str) -> None:
        if self.options.verbosity == "verbose":
            print(f"pt-lsp: {message}", file=self.stderr)

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
        if options.reads_stdin:
            name = options.stdin_filename or "-"
            data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
            self.stdin_data = data
            config = self.configs.for_path(name)
            if name != "-" and (config.force_exclude or options.overrides.force_exclude):
                if is_excluded(name, False, config, options.respect_gitignore and config.respect_gitignore):
                    self.info(f"{name} is excluded (force-exclude): not linted")
                    return []
            return [self._task(name, data)]
        paths = [p for p in options.paths if p != "-"] or ["."]
        force = bool(options.overrides.force_exclude)
        found = discover(paths, self.configs, options.respect_gitignore, self.warn, force_exclude=force)
        for missing in found.missing:
            self.error(f"{missing}: no such file or directory")
        for path, why in found.unreadable:
            self.error(f"{path}: {why}")
        for path in found.excluded:
            self.info(f"{path} is excluded (force-exclude): not linted")
        return [self._task(path) for path in found.files]

    def _task(self, path: str, data: bytes | None = None) -> FileTask:
        config = self.configs.for_path(path)
        selection = config.selection(path)
        if self.options.target_torch is not None:
            selection = selection.targeting(self.options.target_torch)
        return FileTask(
            path,
            selection,
            self.options.mode,
            self.options.unsafe_fixes,
            data,
            honour_noqa=not self.options.ignore_noqa,
            fixable=config.fixable_selection(),
            target_version=config.target_version,
            profile=self.options.profile,
        )

    # -- running ------------------------------------------------------------------------------
    def run(self) -> int:
        started = time.perf_counter()
        options = self.options
        if options.add_noqa and (options.fix or options.fix_only or options.diff or options.reads_stdin):
            print("error: --add-noqa writes files: not with --fix, --diff or stdin", file=self.stderr)
            return 2
        try:
            tasks = self.tasks()
            if options.show_files:
                for task in sorted(tasks, key=lambda t: t.path):
                    print(task.path, file=self.stdout)
                return 2 if self.failed else 0
            if options.show_settings:
                return self._show_settings(tasks)
        except ConfigError as problem:
            print(f"error: {problem}", file=self.stderr)
            return 2
        jobs = options.jobs or os.cpu_count() or 1
        outcomes = sorted(self._run_cached(tasks, jobs), key=lambda o: o.path)
        self._messages(outcomes)
        findings = sorted((loc for o in outcomes for loc in o.findings), key=Located.sort_key)
        fixed = {o.path: o.fixed for o in outcomes if o.fixed}
        fixed_count = sum(sum(c.values()) for c in fixed.values())
        with self._output() as out:
            if options.reads_stdin:
                changes = self._stdin_output(outcomes[0] if outcomes else None)
            else:
                changes = self._diffs(outcomes, out)
            if options.mode == ADD_NOQA:
                added = sum(o.noqa_added for o in outcomes)
                if options.verbosity != "silent":
                    print(f"Added {plural(added, 'noqa directive')}.", file=self.stderr)
            else:
                self._report(findings, fixed, fixed_count, out)
        wall = time.perf_counter() - started
        self.info(f"{len(tasks)} files ({self.from_cache} from the cache) in {wall:.3f} s with {jobs} jobs")
        if options.profile:
            from .profile import report

            report(self.profile, wall, len(tasks) - self.from_cache, self.stderr)
        if self.failed:
            return 2
        if options.exit_zero or options.mode == ADD_NOQA:
            return 0
        if options.diff:
            return 1 if changes else 0
        if options.exit_non_zero_on_fix and fixed_count:
            return 1
        if options.fix_only:
            return 0
        return 1 if findings else 0

    @contextmanager
    def _output(self) -> Iterator[TextIO]:
        """Where the report goes: stdout, ``--output-file`` or nowhere (``--silent``)."""
        if self.options.verbosity == "silent":
            with open(os.devnull, "w", encoding="utf-8") as devnull:
                yield devnull
            return
        if self.options.output_file is None:
            yield self.stdout
            return
        folder = os.path.dirname(os.path.abspath(self.options.output_file))
        os.makedirs(folder, exist_ok=True)
        with open(self.options.output_file, "w", encoding="utf-8") as file:
            yield file

    def _show_settings(self, tasks: list[FileTask]) -> int:
        """``--show-settings``: the settings of the first file (ruff shows the same for one)."""
        path = tasks[0].path if tasks else (self.options.paths or ["."])[0]
        config = self.configs.for_path(path)
        print(f"Resolved settings for: {path}", file=self.stdout)
        for line in config.describe():
            print(f"  {line}", file=self.stdout)
        from pt_lsp.core.rule import all_rules

        selection = tasks[0].selection if tasks else config.selection(path)
        enabled = selection.codes(all_rules())
        print(f"  enabled rules = [{', '.join(enabled)}]", file=self.stdout)
        return 2 if self.failed else 0

    def _cache_settings(self, task: FileTask) -> str:
        # without a target the installed torch decides: its dist-info folder names it
        torch = task.selection.target_torch or _installed_torch()
        return repr((task.selection, torch, task.honour_noqa, task.fixable, task.target_version, task.unsafe))

    def _open_cache(self, tasks: list[FileTask]) -> Any:
        options = self.options
        if options.no_cache or options.mode not in (CHECK, FIX) or options.profile or options.reads_stdin or not tasks:
            return None
        from pt_lsp.core.cache import Cache, cache_root

        configured = self.configs.for_path(tasks[0].path).cache_dir
        root = cache_root(options.cache_dir, configured)
        self.info(f"cache: {os.path.abspath(root)}")
        return Cache(root)

    def _run_cached(self, tasks: list[FileTask], jobs: int) -> list[FileOutcome]:
        """Answer what the cache knows; lint the rest (with their bytes, read once) and store it.

        The cache holds what a file's content is found to have. ``--fix`` uses an entry only
        when none of its findings has a fix to apply (nothing to write), and stores what is
        left under the fixed content (the next run reads that)."""
        from pt_lsp.report.model import fix_applies

        from .lint_file import outcome_from_cache, outcome_to_cache

        fixing = self.options.mode == FIX

        cache = self.cache = self._open_cache(tasks)
        if cache is None:
            ran = run_tasks(tasks, jobs)
            for outcome in ran:
                self.profile.update(outcome.timings)
            return ran
        outcomes: list[FileOutcome] = []
        misses: list[tuple[FileTask, str]] = []
        for task in tasks:
            try:
                data = read_bytes(task.path)
            except Unlintable:
                misses.append((task, ""))  # the worker says what is wrong with it
                continue
            key = cache.key(self._cache_settings(task), task.path, data)
            entry = cache.load(key)
            if entry is not None:
                known = outcome_from_cache(task.path, entry)
                if not (fixing and any(fix_applies(loc.finding.fix, task.unsafe) for loc in known.findings)):
                    outcomes.append(known)
                    continue
            misses.append((FileTask(**{**task.__dict__, "data": data}), key))
        self.from_cache = len(outcomes)
        for (task, key), outcome in zip(misses, run_tasks([task for task, _ in misses], jobs)):
            entry = outcome_to_cache(outcome) if key and not (fixing and outcome.warnings) else None
            if entry is not None and fixing and outcome.output is not None:  # rewritten: the new content's
                key = cache.key(self._cache_settings(task), task.path, outcome.output)
            if entry is not None:
                cache.store(key, entry)
            outcomes.append(outcome)
        cache.prune()
        return outcomes

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

    def _diffs(self, outcomes: list[FileOutcome], out: TextIO) -> bool:
        diffs = [o.diff for o in outcomes if o.diff]
        if self.options.diff:
            out.write("".join(diffs))
        return bool(diffs)

    def _stdin_output(self, outcome: FileOutcome | None) -> bool:
        """With stdin, --fix prints the fixed source (ruff does the same) and --diff the diff."""
        if outcome is None and self.options.mode == FIX and self.stdin_data is not None:
            self._write_bytes(self.stdin_data)  # excluded (force-exclude): passed through untouched
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
        if self.options.verbosity == "quiet":
            return  # --quiet: the findings, nothing else
        lines = text.check_summary(findings, fixed_count, self.options.unsafe_fixes, self.options.mode == FIX)
        if self.failed and not findings and not fixed_count:
            return  # not "All checks passed!" beside an error: something was not checked
        for line in lines:
            print(line, file=out)

    def _format(self, out: TextIO) -> str:
        fmt = self.options.output_format
        if fmt is None:  # ruff's full format where a person reads it, one line per finding for tools
            fmt = "full" if hasattr(out, "isatty") and out.isatty() else "concise"
        return "concise" if fmt == "text" else fmt

    def _report(self, findings: list[Located], fixed: dict[str, Counter], fixed_count: int, report: TextIO) -> None:
        options = self.options
        unsafe = options.unsafe_fixes
        stdin_fix = options.mode == FIX and options.reads_stdin
        # with stdin and --fix the fixed source owns stdout: the report goes to stderr
        out = self.stderr if stdin_fix and report is self.stdout else report
        fmt = self._format(out)
        colour = _colour(options.color, out) and fmt in ("concise", "full")
        if options.diff:
            if options.verbosity not in ("quiet", "silent"):
                print(text.diff_summary(fixed_count, findings, unsafe), file=self.stderr)
            return
        if options.fix_only:
            if options.show_fixes:
                out.write("\n".join(text.show_fixes(fixed)) + ("\n" if fixed_count else ""))
            line = text.fix_only_summary(fixed_count, findings, unsafe)
            if line and fmt in ("concise", "full") and options.verbosity != "quiet":
                print(line, file=out)
            return
        if options.statistics:
            from pt_lsp.report import statistics

            counts = statistics.count_rules(findings, unsafe)
            if fmt == "json":
                out.write(statistics.format_json(counts))
            else:
                out.write(statistics.format_text(counts))
            return
        if fmt == "json":  # each format imported when asked for (SARIF reads the whole registry)
            from pt_lsp.report import json_report

            out.write(json_report.format_json(findings))
        elif fmt == "sarif":
            from pt_lsp.report import sarif

            out.write(sarif.format_sarif(findings))
        elif fmt == "github":
            from pt_lsp.report import github

            out.write(github.format_github(findings))
        elif fmt == "full":
            sources: dict[str, list[str] | None] = {}
            for loc in findings:
                if loc.filename not in sources:
                    if options.reads_stdin and self.stdin_data is not None and loc.cell is None:
                        stdin_text = self.stdin_data.decode("utf-8", "replace")
                        sources[loc.filename] = stdin_text.replace("\r\n", "\n").split("\n")
                    else:
                        sources[loc.filename] = _source_lines(loc.filename) if loc.cell is None else None
                print(text.format_full(loc, unsafe, sources[loc.filename], colour), file=out)
            if options.show_fixes and fixed_count:
                out.write("\n".join(text.show_fixes(fixed)) + "\n")
            self._summary(out, findings, fixed_count)
        else:
            for loc in findings:
                print(text.format_finding(loc, unsafe, colour), file=out)
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
