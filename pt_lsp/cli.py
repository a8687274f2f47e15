"""`pt-lsp`: argument parsing and dispatch, nothing else.

`check` and `rule` live in ``pt_lsp.commands``; `server` and `verify` are imported only when
asked for, so that `pt-lsp check` never pays for pygls or torch.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

import pt_lsp

OUTPUT_FORMATS = ("text", "concise", "full", "json", "sarif", "github")
DELEGATED = {  # subcommand -> module whose main(argv) runs it
    "server": "pt_lsp.lsp.command",
    "verify": "pt_lsp.runtime.command",
    "run": "pt_lsp.runtime.run.command",
}
DELEGATED_HELP = {
    "server": "run the language server (LSP over stdio, or --tcp)",
    "verify": "run every rule's examples under the installed torch and compare verdicts",
    "run": "run your program under the runtime checks (like `coverage run`) and compare with check",
}


def _codes(value: str) -> list[str]:
    return [part.strip().upper() for part in value.split(",") if part.strip()]


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return jobs


def _per_file(value: str) -> list[tuple[str, list[str]]]:
    """``--per-file-ignores 'tests/*:PTL401,PTL402'`` (ruff's ``PATTERN:CODES``)."""
    pattern, sep, codes = value.rpartition(":")
    if not sep or not pattern.strip() or not _codes(codes):
        raise argparse.ArgumentTypeError(f"expected PATTERN:CODES (e.g. 'tests/*:PTL401'), got {value!r}")
    return [(pattern.strip(), _codes(codes))]


def _python_version(text: str) -> str:
    from pt_lsp.core.config import parse_python_version

    if parse_python_version(text) is None:
        raise argparse.ArgumentTypeError(f"not a Python version: {text!r} (expected e.g. py38 or 3.8, 3.7 or later)")
    return text


def _check_parser(commands) -> None:
    check = commands.add_parser(
        "check",
        help="lint files and directories (default: .)",
        description="Lint Python files and Jupyter notebooks for PyTorch mistakes.",
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .); - reads stdin")
    rules = check.add_argument_group("rule selection")
    for flag, text in (
        ("--select", "rule codes or prefixes to enable (replaces the project's select; ALL: every rule)"),
        ("--extend-select", "rule codes or prefixes to enable on top of the project's select"),
        ("--ignore", "rule codes or prefixes to disable (ALL: every rule)"),
        ("--fixable", "only these rules' fixes are applied (replaces the project's fixable)"),
        ("--unfixable", "these rules' fixes are never applied"),
        ("--extend-fixable", "rule codes or prefixes whose fixes are applied on top of the project's fixable"),
    ):
        default: list[list[str]] | None = None if flag in ("--select", "--fixable") else []
        rules.add_argument(flag, action="append", type=_codes, default=default, metavar="CODES", help=text)
    for flag, text in (
        ("--per-file-ignores", "PATTERN:CODES; replaces the project's per-file-ignores (repeatable)"),
        ("--extend-per-file-ignores", "PATTERN:CODES; added to the project's per-file-ignores (repeatable)"),
    ):
        rules.add_argument(flag, action="append", type=_per_file, metavar="PATTERN:CODES", help=text)
    rules.add_argument(
        "--target-torch",
        type=_torch_version,
        metavar="VERSION",
        help="the torch version the code runs on, e.g. 2.1 (default: target-torch in pyproject, else installed)",
    )
    rules.add_argument(
        "--target-version",
        type=_python_version,
        metavar="PYVERSION",
        help="the oldest Python the code runs on, e.g. py38: newer syntax is reported as PTL000",
    )
    config = check.add_argument_group("configuration")
    config.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="FILE|KEY=VALUE",
        help="a configuration file to use instead of the pyproject.toml files found, or one TOML KEY = VALUE "
        "that overrides [tool.pt-lsp] (repeatable)",
    )
    config.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    config.add_argument("--show-settings", action="store_true", help="print the settings the first file is linted with")
    config.add_argument("--show-files", action="store_true", help="print the files that would be linted")
    files = check.add_argument_group("file selection")
    files.add_argument(
        "--exclude", action="append", type=_globs, metavar="GLOBS", help="replaces the project's exclude"
    )
    files.add_argument("--extend-exclude", action="append", type=_globs, default=[], metavar="GLOBS")
    files.add_argument(
        "--force-exclude",
        action="store_true",
        default=None,
        help="apply the excludes to paths named on the command line too (pre-commit hooks use it)",
    )
    files.add_argument("--no-force-exclude", dest="force_exclude", action="store_false")
    files.add_argument(
        "--no-respect-gitignore",
        dest="respect_gitignore",
        action="store_false",
        help="lint files that .gitignore excludes",
    )
    files.add_argument("--stdin-filename", metavar="NAME", help="read the source from stdin; NAME is its path")
    fixing = check.add_argument_group("fixes")
    fixing.add_argument("--fix", action="store_true", help="apply safe fixes")
    fixing.add_argument("--unsafe-fixes", action="store_true", help="also apply (and offer) unsafe fixes")
    fixing.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; write nothing")
    fixing.add_argument("--fix-only", action="store_true", help="apply fixes without reporting what is left")
    fixing.add_argument("--show-fixes", action="store_true", help="list the fixes that were applied")
    fixing.add_argument("--add-noqa", action="store_true", help="add a # noqa comment to every line with a finding")
    fixing.add_argument("--ignore-noqa", action="store_true", help="report findings on lines with # noqa too")
    output = check.add_argument_group("output")
    output.add_argument(
        "--output-format",
        choices=OUTPUT_FORMATS,
        help="default: full on a terminal, concise otherwise (text is concise)",
    )
    output.add_argument("--output-file", "-o", metavar="PATH", help="write the report to PATH instead of stdout")
    output.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour the text output")
    output.add_argument("--statistics", action="store_true", help="count the findings per rule instead of listing them")
    output.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    output.add_argument(
        "--exit-non-zero-on-fix", action="store_true", help="exit 1 when a fix was applied, even if nothing is left"
    )
    level = output.add_mutually_exclusive_group()
    level.add_argument("--quiet", "-q", action="store_true", help="print the findings only, no summary")
    level.add_argument("--silent", "-s", action="store_true", help="print nothing; the exit code tells")
    level.add_argument("--verbose", "-v", action="store_true", help="say which configuration, files and timings")
    run = check.add_argument_group("running")
    run.add_argument("--jobs", "-j", type=_jobs, metavar="N", help="worker processes (default: all cores)")
    run.add_argument("--watch", "-w", action="store_true", help="re-run whenever a file changes (Ctrl-C stops)")
    run.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    run.add_argument(
        "--cache-dir", metavar="DIR", help="where the cache lives (default: .pt_lsp_cache; PT_LSP_CACHE_DIR)"
    )
    run.add_argument(
        "--profile", action="store_true", help="print the time per phase and per rule (also PT_LSP_PROFILE=1)"
    )


def _globs(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pt-lsp", description=pt_lsp.__doc__)
    parser.add_argument("--version", action="version", version=f"pt-lsp {pt_lsp.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _check_parser(commands)
    rule = commands.add_parser("rule", help="explain a rule, or list them all")
    rule.add_argument("code", nargs="?", metavar="CODE")
    rule.add_argument("--all", action="store_true", help="list every rule")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")
    for name, text in DELEGATED_HELP.items():
        commands.add_parser(name, help=text, add_help=False)
    return parser


def _torch_version(text: str) -> tuple[int, int]:
    from pt_lsp.core.vocabulary import parse_torch_version

    version = parse_torch_version(text)
    if version is None:
        raise argparse.ArgumentTypeError(f"not a torch version: {text!r} (expected e.g. 2.1)")
    return version


def _flatten(groups: list[list[str]] | None) -> list[str] | None:
    return None if groups is None else [code for group in groups for code in group]


def _config_args(values: list[str]) -> tuple[str | None, list[tuple[str, object]]]:
    """``--config``: a file (at most one, like ruff) and ``KEY = VALUE`` pairs in TOML.
    Raises ValueError with the one-line message."""
    from pt_lsp.core.config import KNOWN_KEYS, parse_toml

    config_file: str | None = None
    pairs: list[tuple[str, object]] = []
    for value in values:
        if "=" not in value or os.path.isfile(value):
            if not os.path.isfile(value):
                raise ValueError(f"--config {value}: no such file (nor a KEY = VALUE pair)")
            if config_file is not None:
                raise ValueError("--config names one configuration file at most")
            config_file = value
            continue
        try:
            parsed = parse_toml(value)
        except ValueError as error:
            raise ValueError(f"--config {value!r}: not a TOML KEY = VALUE pair ({error})") from None
        for key, item in parsed.items():
            if key not in KNOWN_KEYS:
                raise ValueError(f"--config {value!r}: unknown key {key!r} (see docs/cli.md)")
            pairs.append((key, item))
    return config_file, pairs


def run_check(args: argparse.Namespace) -> int:
    from pt_lsp.commands.check import CheckOptions, run
    from pt_lsp.core.config import ConfigError, Overrides, parse_table, unknown_codes

    select, ignore = _flatten(args.select), _flatten(args.ignore) or []
    extend_select, fixable, unfixable, extend_fixable = (
        _flatten(args.extend_select) or [],
        _flatten(args.fixable),
        _flatten(args.unfixable),
        _flatten(args.extend_fixable) or [],
    )
    per_file = [pair for group in args.per_file_ignores or [] for pair in group]
    extend_per_file = [pair for group in args.extend_per_file_ignores or [] for pair in group]
    selectors = (select or []) + ignore + extend_select + (fixable or []) + (unfixable or []) + extend_fixable
    selectors += [code for _, codes in per_file + extend_per_file for code in codes]
    unknown = unknown_codes(selectors) if selectors else []  # the registry is imported only to check codes
    if unknown:
        print(f"error: unknown rule selector(s): {', '.join(unknown)} (see `pt-lsp rule --all`)", file=sys.stderr)
        return 2
    if args.stdin_filename is not None and [p for p in args.paths if p != "-"]:
        print("error: --stdin-filename reads one source from stdin; do not pass paths as well", file=sys.stderr)
        return 2
    try:
        config_file, pairs = _config_args(args.config)
        if config_file is not None and args.isolated:
            raise ValueError("--config FILE and --isolated exclude each other")
    except ValueError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    overrides = Overrides(
        values=tuple(pairs),
        select=tuple(select) if select is not None else None,
        extend_select=tuple(extend_select),
        ignore=tuple(ignore),
        per_file_ignores=tuple((p, tuple(c)) for p, c in per_file) if args.per_file_ignores else None,
        extend_per_file_ignores=tuple((p, tuple(c)) for p, c in extend_per_file),
        fixable=tuple(fixable) if fixable is not None else None,
        unfixable=tuple(unfixable or ()),
        extend_fixable=tuple(extend_fixable),
        exclude=tuple(_flatten(args.exclude) or ()) if args.exclude is not None else None,
        extend_exclude=tuple(_flatten(args.extend_exclude) or ()),
        force_exclude=args.force_exclude,
        target_version=args.target_version,
    )

    def refuse(message: str) -> None:
        raise ConfigError(message)

    try:  # the command line's own values, checked once: a bad --config VALUE names the flag
        parse_table(overrides.apply({}), "", "--config", refuse)
    except ConfigError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    verbosity = "silent" if args.silent else "quiet" if args.quiet else "verbose" if args.verbose else "normal"
    options = CheckOptions(
        paths=args.paths,
        output_format=args.output_format,
        statistics=args.statistics,
        target_torch=args.target_torch,
        exit_zero=args.exit_zero,
        jobs=args.jobs,
        stdin_filename=args.stdin_filename,
        fix=args.fix,
        unsafe_fixes=args.unsafe_fixes,
        diff=args.diff,
        fix_only=args.fix_only,
        show_fixes=args.show_fixes,
        respect_gitignore=args.respect_gitignore,
        overrides=overrides,
        config_file=config_file,
        isolated=args.isolated,
        show_settings=args.show_settings,
        show_files=args.show_files,
        add_noqa=args.add_noqa,
        ignore_noqa=args.ignore_noqa,
        exit_non_zero_on_fix=args.exit_non_zero_on_fix,
        output_file=args.output_file,
        color=args.color,
        verbosity=verbosity,
        no_cache=args.no_cache,
        cache_dir=args.cache_dir,
        profile=args.profile or os.environ.get("PT_LSP_PROFILE", "") not in ("", "0"),
    )
    if args.watch:
        from pt_lsp.commands.watch import watch

        return watch(options, sys.stdout, sys.stderr)
    return run(options, sys.stdout, sys.stderr)


def run_rule(args: argparse.Namespace) -> int:
    from pt_lsp.commands.rule_cmd import show_all, show_rule

    if args.all:
        return show_all(args.output_format, sys.stdout)
    if not args.code:
        print("error: give a rule code (e.g. `pt-lsp rule PTL201`) or --all", file=sys.stderr)
        return 2
    return show_rule(args.code, args.output_format, sys.stdout, sys.stderr)


def run_delegated(command: str, argv: list[str]) -> int:
    """`server` / `verify`: hand the rest of the command line to their own ``main``."""
    module_name = DELEGATED[command]
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        missing = getattr(error, "name", None) or str(error)
        print(f"error: `pt-lsp {command}` is not available: cannot import {missing} ({error})", file=sys.stderr)
        if missing in ("pygls", "lsprotocol", "torch"):
            print(f"hint: install it into this environment (pip install {missing})", file=sys.stderr)
        return 2
    try:
        result = module.main(argv)
    except SystemExit as exit_:  # their argparse (--help, usage errors)
        result = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    return result if isinstance(result, int) else 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DELEGATED:
        return run_delegated(argv[0], argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, usage errors (2)
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    try:
        if args.command == "check":
            return run_check(args)
        if args.command == "rule":
            return run_rule(args)
        parser.print_help()
        return 2
    except BrokenPipeError:  # `pt-lsp check | head`: the reader is gone, so is our audience
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
