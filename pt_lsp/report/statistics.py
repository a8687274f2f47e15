"""``--statistics``: how often each rule fired, ruff's layout (count, code, [*], name)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .model import Located, fix_applies


@dataclass(frozen=True)
class RuleCount:
    code: str
    name: str
    count: int
    fixable: bool  # every finding of the rule has a fix that --fix would apply


def count_rules(findings: list[Located], unsafe: bool) -> list[RuleCount]:
    by_code: dict[str, list[Located]] = {}
    for loc in findings:
        by_code.setdefault(loc.finding.code, []).append(loc)
    counts = [
        RuleCount(code, group[0].finding.name, len(group), all(fix_applies(loc.finding.fix, unsafe) for loc in group))
        for code, group in by_code.items()
    ]
    return sorted(counts, key=lambda c: (-c.count, c.code))


def format_text(counts: list[RuleCount]) -> str:
    if not counts:
        return ""
    count_width = max(len(str(c.count)) for c in counts)
    code_width = max(len(c.code) for c in counts)
    any_fixable = any(c.fixable for c in counts)
    lines = []
    for c in counts:
        marker = "[*] " if c.fixable else ("[ ] " if any_fixable else "")
        lines.append(f"{c.count:>{count_width}}\t{c.code:<{code_width}}\t{marker}{c.name}")
    return "\n".join(lines) + "\n"


def format_json(counts: list[RuleCount]) -> str:
    return (
        json.dumps([{"code": c.code, "name": c.name, "count": c.count, "fixable": c.fixable} for c in counts], indent=2)
        + "\n"
    )
