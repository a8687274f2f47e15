"""`pt-lsp rule CODE` (the rule's documentation) and `pt-lsp rule --all` (the catalogue)."""

from __future__ import annotations

import json
from typing import TextIO

from pt_lsp.core.rule import Rule, all_rules


def _fix_sentence(fixable: bool) -> str:
    return "Fix is available." if fixable else "Fix is not available."


def describe(rule: type[Rule]) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "severity": rule.severity.value,
        "fixable": rule.has_fix(),
        "fix": _fix_sentence(rule.has_fix()),
        "url": rule.url(),
        "explanation": rule.documentation(),
    }


def catalogue() -> list[dict]:
    return [describe(rule) for rule in all_rules().values()]


def lookup(code: str) -> dict | None:
    code = code.strip().upper()
    return next((entry for entry in catalogue() if entry["code"] == code or entry["name"] == code.lower()), None)


def show_rule(code: str, output_format: str, stdout: TextIO, stderr: TextIO) -> int:
    entry = lookup(code)
    if entry is None:
        print(f"error: unknown rule {code!r} (see `pt-lsp rule --all`)", file=stderr)
        return 2
    if output_format == "json":
        stdout.write(json.dumps(entry, indent=2) + "\n")
        return 0
    stdout.write(f"# {entry['name']} ({entry['code']})\n\n")
    if entry["summary"]:
        stdout.write(f"{entry['summary'][:1].upper()}{entry['summary'][1:]}.\n\n")
    stdout.write(f"{entry['fix']}\n\n{entry['explanation'].rstrip()}\n")
    path = all_rules()[entry["code"]].example_path()
    if path is not None:
        title, steps = path
        stdout.write(f'\n## Evidence path\nOn the example "{title}":\n')
        stdout.write("".join(f"{number}. {step}\n" for number, step in enumerate(steps, start=1)))
    return 0


def show_all(output_format: str, stdout: TextIO) -> int:
    entries = catalogue()
    if output_format == "json":
        stdout.write(json.dumps(entries, indent=2) + "\n")
        return 0
    name_width = max(len(e["name"]) for e in entries)
    stdout.write(f"{'code':<7} {'name':<{name_width}}  fix  summary\n")
    for e in entries:
        fix = "yes" if e["fixable"] else "no "
        stdout.write(f"{e['code']:<7} {e['name']:<{name_width}}  {fix}  {e['summary']}\n")
    return 0
