"""Ruff's concise text output: ``path:row:col: CODE [*] message`` and the summary lines."""

from __future__ import annotations

from collections import Counter

from pt_lsp.core.findings import Applicability, Fix

from .model import Located, fix_applies, hidden_unsafe, plural, step_file

FIX_HINT = "`--fix`"
# ANSI styles of the text formats (--color): ruff's choices, roughly
BOLD, RED, CYAN, BLUE, DIM, RESET = "\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[34m", "\x1b[2m", "\x1b[0m"


def paint(text: str, style: str, colour: bool) -> str:
    return f"{style}{text}{RESET}" if colour and text else text


UNSAFE_HINT = "`--fix --unsafe-fixes`"


def format_location(loc: Located) -> str:
    cell = f"cell {loc.cell}:" if loc.cell is not None else ""
    return f"{loc.filename}:{cell}{loc.row}:{loc.column}"


def format_finding(loc: Located, unsafe: bool, colour: bool = False) -> str:
    marker = paint("[*]", CYAN, colour) + " " if fix_applies(loc.finding.fix, unsafe) else ""
    location = paint(format_location(loc), BOLD, colour)
    return f"{location}: {paint(loc.finding.code, BOLD + RED, colour)} {marker}{loc.finding.message}"


def _applicability(fix: Fix) -> str:
    """How ``--fix`` treats a fix, said after its title as ruff does for the unsafe ones."""
    if fix.applicability is Applicability.UNSAFE:
        return " (unsafe fix: `--unsafe-fixes`)"
    if fix.applicability is Applicability.DISPLAY_ONLY:
        return " (display-only: never applied)"
    return ""


def format_full(loc: Located, unsafe: bool, lines: list[str] | None, colour: bool = False) -> str:
    """Ruff's ``full`` format: the finding, its code frame with the range underlined, the fix
    title and its applicability, and the evidence path as notes, each with its line."""
    out = [format_finding(loc, unsafe, colour)]
    finding = loc.finding
    if lines is not None and 1 <= finding.line <= len(lines):
        out.extend(_frame(lines, finding.span.start.line, finding.span.start.col, finding.span.end, colour))
    if finding.fix is not None:
        out.append(f"  {paint('= help:', CYAN, colour)} {finding.fix.title}{_applicability(finding.fix)}")
    for related in finding.related:
        cell = f"cell {related.cell}:" if related.cell is not None else ""
        where = f"{step_file(loc, related)}:{cell}{related.span.start.line}:{related.span.start.col + 1}"
        out.append(f"  {paint('= note:', BLUE, colour)} {where}: {related.message}")
    return "\n".join(out) + "\n"


def _frame(lines: list[str], line: int, col: int, end: object, colour: bool = False) -> list[str]:
    text = lines[line - 1].rstrip("\n")
    end_col = getattr(end, "col", col + 1) if getattr(end, "line", line) == line else len(text)
    width = len(str(line))
    gutter = paint(f"{' ' * width} |", BLUE, colour)
    return [
        gutter,
        f"{paint(f'{line} |', BLUE, colour)} {text}",
        f"{gutter} {' ' * col}{paint('^' * max(1, end_col - col), RED, colour)}",
    ]


def _unsafe_available(count: int) -> str:
    return f"{plural(count, 'unsafe fix', 'unsafe fixes')} available with {UNSAFE_HINT}"


def fix_hints(remaining: list[Located], unsafe: bool) -> list[str]:
    """``[*] N fixable with `--fix`.`` and the note about fixes hidden behind --unsafe-fixes."""
    fixable = sum(fix_applies(loc.finding.fix, unsafe) for loc in remaining)
    hidden = sum(hidden_unsafe(loc.finding.fix, unsafe) for loc in remaining)
    if fixable and hidden:
        return [f"[*] {fixable} fixable with {FIX_HINT} ({_unsafe_available(hidden)})."]
    if fixable:
        return [f"[*] {fixable} fixable with {FIX_HINT}."]
    if hidden:
        return [f"{_unsafe_available(hidden)}."]
    return []


def check_summary(remaining: list[Located], fixed: int, unsafe: bool, fixing: bool) -> list[str]:
    """The closing lines of ``check`` and ``check --fix``."""
    total = len(remaining) + fixed
    if total == 0:
        return ["All checks passed!"]
    if fixing and fixed:
        lines = [f"Found {plural(total, 'error')} ({fixed} fixed, {len(remaining)} remaining)."]
    else:
        lines = [f"Found {plural(total, 'error')}."]
    if fixing:
        hidden = sum(hidden_unsafe(loc.finding.fix, unsafe) for loc in remaining)
        if hidden:
            lines.append(f"{_unsafe_available(hidden)}.")
        return lines
    return lines + fix_hints(remaining, unsafe)


def _hidden_suffix(remaining: list[Located], unsafe: bool, additional: bool) -> str:
    hidden = sum(hidden_unsafe(loc.finding.fix, unsafe) for loc in remaining)
    if not hidden:
        return ""
    word = "additional fix" if additional else "fix"
    return f" ({plural(hidden, word, word.replace('fix', 'fixes'))} available with `--unsafe-fixes`)"


def diff_summary(would_fix: int, remaining: list[Located], unsafe: bool) -> str:
    if would_fix:
        return f"Would fix {plural(would_fix, 'error')}{_hidden_suffix(remaining, unsafe, True)}."
    return f"No errors would be fixed{_hidden_suffix(remaining, unsafe, False)}."


def fix_only_summary(fixed: int, remaining: list[Located], unsafe: bool) -> str | None:
    if fixed:
        return f"Fixed {plural(fixed, 'error')}{_hidden_suffix(remaining, unsafe, True)}."
    suffix = _hidden_suffix(remaining, unsafe, False)
    return f"No errors fixed{suffix}." if suffix else None


def show_fixes(fixed: dict[str, Counter]) -> list[str]:
    """``Fixed N errors:`` followed by, per file, ``  k × CODE (name)``."""
    total = sum(sum(counts.values()) for counts in fixed.values())
    if not total:
        return []
    lines = ["", f"Fixed {plural(total, 'error')}:"]
    for filename in sorted(fixed):
        if not fixed[filename]:
            continue
        lines.append(f"- {filename}:")
        for (code, name), count in sorted(fixed[filename].items()):
            lines.append(f"    {count} × {code} ({name})")
    lines.append("")
    return lines
