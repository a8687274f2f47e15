"""`pt-lsp run [options] script.py [args...]` / `pt-lsp run [options] -m module [args...]`.

Runs the program in this process under the runtime checks, like ``coverage run``: its stdout is
untouched, ``sys.argv``, ``__main__`` and ``-m`` behave as with ``python``, and its exit code is
the command's. The report goes to ``--output-file`` (else stderr); the JSON report is also saved
to ``.pt-lsp/run.json`` for the editor. An exception of the program is printed as python prints
it, after the report. Exit code 2: usage error, torch missing, or no such program.
"""

from __future__ import annotations

import argparse
import os
import sys

FORMATS = ("text", "json", "sarif", "github")
SAVED_REPORT = os.path.join(".pt-lsp", "run.json")
_WITH_VALUE = {"--output-format", "--output-file", "--select", "--ignore", "--device"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pt-lsp run",
        usage="pt-lsp run [options] script.py [args...] | pt-lsp run [options] -m module [args...]",
        description="Run a Python program under pt-lsp's runtime checks and compare with the static findings.",
    )
    parser.add_argument("--output-format", choices=FORMATS, default="text")
    parser.add_argument("--output-file", metavar="PATH", help="write the report here instead of stderr")
    parser.add_argument("--select", action="append", default=None, metavar="CODES", help="rule codes or prefixes")
    parser.add_argument("--ignore", action="append", default=[], metavar="CODES", help="rule codes or prefixes")
    parser.add_argument("--fail-fast", action="store_true", help="stop the program at the first runtime finding")
    parser.add_argument(
        "--no-save", action="store_true", help=f"do not write the JSON report to {SAVED_REPORT} (for the editor)"
    )
    parser.add_argument("--no-crosscheck", action="store_true", help="skip the static pass and the line coverage")
    parser.add_argument(
        "--device",
        choices=("fake-cuda",),
        help="fake-cuda: tensors placed on cuda are simulated on the CPU, so device bugs show without a GPU",
    )
    return parser


def split_argv(argv: list[str]) -> tuple[list[str], str | None, str | None, list[str]]:
    """pt-lsp's options, then the script or ``-m module``, then the program's own arguments."""
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "-m":
            if index + 1 >= len(argv):
                return argv[:index], None, None, []
            return argv[:index], None, argv[index + 1], argv[index + 2 :]
        if arg == "--":
            index += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        index += 2 if arg in _WITH_VALUE else 1
    if index >= len(argv):
        return argv, None, None, []
    return argv[:index], argv[index], None, argv[index + 1 :]


def _codes(groups: list[str] | None) -> list[str] | None:
    if groups is None:
        return None
    return [part.strip().upper() for group in groups for part in group.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    options, script, module, program_args = split_argv(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(options)
    except SystemExit as exit_:
        return 0 if exit_.code == 0 else 2
    if script is None and module is None:
        parser.print_usage(sys.stderr)
        sys.stderr.write("pt-lsp run: error: give a script or -m module\n")
        return 2
    select, ignore = _codes(args.select), _codes(args.ignore) or []
    from pt_lsp.core.rule import all_rules
    from pt_lsp.core.selection import Selection

    codes = list(all_rules())
    unknown = [s for s in (select or []) + ignore if s != "ALL" and not any(c.startswith(s) for c in codes)]
    if unknown:
        sys.stderr.write(f"pt-lsp run: error: unknown rule selector(s): {', '.join(unknown)}\n")
        return 2
    try:
        import torch  # noqa: F401
    except ImportError as error:
        sys.stderr.write(f"pt-lsp run needs PyTorch, which is not installed here ({error})\n")
        return 2
    from .output import format_json, render
    from .session import Program, ProgramNotFound, print_exception, run

    program = Program(script, module, tuple(program_args))
    try:
        result = run(
            program,
            Selection.of(select, ignore),
            explicit=tuple(select or ()),
            fail_fast=args.fail_fast,
            crosscheck=not args.no_crosscheck,
            device=args.device,
        )
    except ProgramNotFound as error:
        sys.stderr.write(f"pt-lsp run: {error}\n")
        return 2
    report = render(result, args.output_format)
    try:
        if args.output_file:
            with open(args.output_file, "w", encoding="utf-8") as handle:
                handle.write(report)
        else:
            sys.stderr.write(report)
        if not args.no_save:
            os.makedirs(os.path.dirname(SAVED_REPORT), exist_ok=True)
            with open(SAVED_REPORT, "w", encoding="utf-8") as handle:
                handle.write(format_json(result))
    except OSError as error:
        sys.stderr.write(f"pt-lsp run: cannot write the report: {error}\n")
    if result.exception is not None:
        print_exception(result.exception)
    return result.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
