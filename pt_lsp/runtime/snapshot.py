"""Keeps a verify report on disk: ``python -m pt_lsp.runtime.snapshot DIR`` writes
``DIR/verify-<name>.json`` and ``DIR/verify-<name>.txt`` from one run, where <name> is the GPU
model (``nvidia-h100-80gb-hbm3``) or ``cpu``. Exit status as ``pt-lsp verify``."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unknown"


def main(argv: list[str] | None = None) -> int:
    from .command import torch_missing

    parser = argparse.ArgumentParser(prog="python -m pt_lsp.runtime.snapshot")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--device", choices=("cpu", "cuda", "all"), default="all")
    parser.add_argument("--name", help="file name part (default: the GPU model, or cpu)")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    message = torch_missing()
    if message:
        sys.stderr.write(message)
        return 2
    from .report import render_json, render_text
    from .runner import verify

    report = verify(None, args.device, args.jobs, args.timeout)
    name = args.name or (slug(report.torch.gpu) if report.torch.gpu and args.device != "cpu" else "cpu")
    args.directory.mkdir(parents=True, exist_ok=True)
    for suffix, render in (("json", render_json), ("txt", render_text)):
        path = args.directory / f"verify-{name}.{suffix}"
        path.write_text(render(report), encoding="utf-8")
        print(f"wrote {path}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
