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


def _check_parser(commands) -> None:
    check = commands.add_parser(
        "check",
        help="lint files and directories (default: .)",
        description="Lint Python files and Jupyter notebooks for PyTorch mistakes.",
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .); - reads stdin")
    check.add_argument(
        "--select",
        action="append",
        type=_codes,
        metavar="CODES",
        help="comma-separated rule codes or prefixes to enable (replaces the project's select)",
    )
    check.add_argument(
        "--ignore",
        action="append",
        type=_codes,
        default=[],
        metavar="CODES",
        help="comma-separated rule codes or prefixes to disable",
    )
    check.add_argument("--output-format", choices=OUTPUT_FORMATS, default="text")
    check.add_argument(
        "--target-torch",
        type=_torch_version,
        metavar="VERSION",
        help="the torch version the code runs on, e.g. 2.1 (default: target-torch in pyproject, else installed)",
    )
    check.add_argument("--statistics", action="store_true", help="count the findings per rule instead of listing them")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--jobs", "-j", type=_jobs, metavar="N", help="worker processes (default: all cores)")
    check.add_argument("--stdin-filename", metavar="NAME", help="read the source from stdin; NAME is its path")
    check.add_argument("--fix", action="store_true", help="apply safe fixes")
    check.add_argument("--unsafe-fixes", action="store_true", help="also apply (and offer) unsafe fixes")
    check.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; write nothing")
    check.add_argument("--fix-only", action="store_true", help="apply fixes without reporting what is left")
    check.add_argument("--show-fixes", action="store_true", help="list the fixes that were applied")
    check.add_argument(
        "--no-respect-gitignore",
        dest="respect_gitignore",
        action="store_false",
        help="lint files that .gitignore excludes",
    )


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


def _unknown_selectors(selectors: list[str]) -> list[str]:
    from pt_lsp.core.rule import all_rules

    codes = list(all_rules())
    return [s for s in selectors if s != "ALL" and not any(code.startswith(s) for code in codes)]


def _flatten(groups: list[list[str]] | None) -> list[str] | None:
    return None if groups is None else [code for group in groups for code in group]


def run_check(args: argparse.Namespace) -> int:
    from pt_lsp.commands.check import CheckOptions, run

    select, ignore = _flatten(args.select), _flatten(args.ignore) or []
    unknown = _unknown_selectors((select or []) + ignore)
    if unknown:
        print(f"error: unknown rule selector(s): {', '.join(unknown)} (see `pt-lsp rule --all`)", file=sys.stderr)
        return 2
    if args.stdin_filename is not None and [p for p in args.paths if p != "-"]:
        print("error: --stdin-filename reads one source from stdin; do not pass paths as well", file=sys.stderr)
        return 2
    options = CheckOptions(
        paths=args.paths,
        select=select,
        ignore=ignore,
        output_format="text" if args.output_format == "concise" else args.output_format,
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
    )
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
