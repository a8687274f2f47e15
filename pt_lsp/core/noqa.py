"""``# noqa`` and ``# noqa: PTL201, PTL102`` comments, as flake8 and ruff read them."""

from __future__ import annotations

import io
import re
import tokenize

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


def _lines_without_room(text: str) -> set[int]:
    """Lines a comment cannot end: inside a multi-line string, or continued with a backslash."""
    blocked = {number for number, line in enumerate(text.split("\n"), start=1) if line.endswith("\\")}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                blocked.update(range(token.start[0], token.end[0]))
    except (tokenize.TokenError, SyntaxError):
        return set(range(1, text.count("\n") + 2))  # cannot tell where strings are: touch nothing
    return blocked


def add_noqa_comments(text: str, codes_by_line: dict[int, set[str]]) -> tuple[str, int]:
    """``--add-noqa``: ``text`` with ``# noqa: CODES`` on each given line (merged into an
    existing comment), and how many lines changed. Lines inside a multi-line string or ending
    in a backslash are left alone: a comment there would change or break the program."""
    lines = text.split("\n")
    blocked = _lines_without_room(text)
    changed = 0
    for number, codes in sorted(codes_by_line.items()):
        if number in blocked or not 1 <= number <= len(lines):
            continue
        line = lines[number - 1]
        new = line
        for code in sorted(codes):
            new = add_noqa(new, code)
        if new != line:
            lines[number - 1] = new
            changed += 1
    return "\n".join(lines), changed
