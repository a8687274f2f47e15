"""`pt-lsp verify [CODE...] [--device cpu|cuda|all] [--output-format text|json] [--jobs N] [--timeout S]`.

Exit codes: 0 every example agrees; 1 an example is refuted, errors or disagrees; 2 usage error
or torch missing. torch is imported only after the arguments are read, so that a missing torch
gives the install command instead of a traceback.
"""

from __future__ import annotations

import argparse
import sys

INSTALL_HINT = "pip install 'pt-lsp[runtime]'"
SUPPORTED_TORCH = ">=2.1"  # the runtime extra's range in pyproject.toml (a test keeps them equal)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pt-lsp verify",
        description="Run every rule's examples under the installed torch and check that the rule is true.",
    )
    parser.add_argument("codes", nargs="*", metavar="CODE", help="rule codes or prefixes (default: all rules)")
    parser.add_argument(
        "--device",
        choices=("cpu", "cuda", "all"),
        default="all",
        help="cpu; cuda (the fake-cuda proxy on the CPU where there is no GPU); all (default)",
    )
    parser.add_argument("--output-format", choices=("text", "json"), default="text")
    parser.add_argument("--jobs", type=_positive_int, default=None, help="parallel subprocesses (default: CPU count)")
    parser.add_argument("--timeout", type=_positive_float, default=60.0, help="seconds per example run (default: 60)")
    parser.add_argument(
        "--isolation",
        choices=("fork", "spawn"),
        default=None,
        help="each program in a child forked from a server that imported torch once (fast; "
        "default on Linux), or in a new interpreter (spawn)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def torch_missing() -> str | None:
    """The message to show when torch cannot be imported, else None."""
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        return (
            f"pt-lsp verify runs the rules' examples under PyTorch, which is not installed here "
            f"({exc}).\nInstall it with:\n    {INSTALL_HINT}\n"
        )
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse already printed the usage message
        return 0 if exit_.code == 0 else 2
    message = torch_missing()
    if message:
        sys.stderr.write(message)
        return 2
    from .report import render_json, render_text
    from .runner import select_rules, verify
    from .verdicts import Verdict

    try:
        rules = select_rules(args.codes or None)
    except Exception as exc:  # a broken rule module: say which, never a traceback
        sys.stderr.write(f"pt-lsp verify: could not load the rules: {type(exc).__name__}: {exc}\n")
        return 2
    if args.codes and not rules:
        sys.stderr.write(f"pt-lsp verify: no rule matches {' '.join(args.codes)}\n")
        return 2
    warning = unsupported_torch()
    if warning:
        sys.stderr.write(f"pt-lsp verify: warning: {warning}\n")
    progress = None if args.quiet else sys.stderr
    report = verify(
        args.codes or None, args.device, args.jobs, args.timeout, isolation=args.isolation, progress=progress
    )
    render = render_json if args.output_format == "json" else render_text
    sys.stdout.write(render(report))
    if report.failed:
        return 1
    if not any(row.runtime.verdict is not Verdict.SKIPPED for row in report.rows):
        # Every run was skipped (a missing module, a torch outside the examples' ranges): exit 0
        # would read as a proof.
        sys.stderr.write("pt-lsp verify: nothing was judged at run time: every example was skipped (see the report)\n")
        return 2
    return 0


def unsupported_torch() -> str | None:
    """A warning when the installed torch is outside the range pt-lsp supports."""
    import torch

    from .versions import satisfies

    if satisfies(torch.__version__, SUPPORTED_TORCH):
        return None
    return f"torch {torch.__version__} is outside the supported range ({SUPPORTED_TORCH}): verdicts may not hold"


if __name__ == "__main__":
    raise SystemExit(main())
