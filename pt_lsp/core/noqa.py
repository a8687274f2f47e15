"""``# noqa`` and ``# noqa: PTL201, PTL102`` comments, as flake8 and ruff read them."""

from __future__ import annotations

import re

NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
ALL = frozenset({"*"})


def noqa_codes(line: str) -> frozenset[str] | None:
    """Codes silenced on ``line``: ``ALL`` for a bare ``# noqa``, None when there is none."""
    if "noqa" not in line.lower():
        return None
    match = NOQA.search(line)
    if not match:
        return None
    if not match["codes"]:
        return ALL
    return frozenset(c.upper() for c in re.split(r"[,\s]+", match["codes"]) if c)


def is_suppressed(line: str, code: str) -> bool:
    codes = noqa_codes(line)
    return codes is not None and (codes is ALL or code in codes)


def add_noqa(line: str, code: str) -> str:
    """``line`` with ``code`` added to its ``# noqa:`` comment (or a new comment appended)."""
    match = NOQA.search(line)
    if match and not match["codes"]:
        return line  # a bare noqa already silences everything
    if match:
        codes = sorted(set(re.split(r"[,\s]+", match["codes"])) | {code})
        return line[: match.start()] + "# noqa: " + ", ".join(codes) + line[match.end() :]
    return line.rstrip() + f"  # noqa: {code}"
