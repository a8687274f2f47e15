"""`pt-lsp rule CODE` (the rule's documentation) and `pt-lsp rule --all` (the catalogue)."""

from __future__ import annotations

import json
from typing import TextIO

from pt_lsp.core.findings import Applicability
from pt_lsp.core.rule import Rule, all_rules

# What `rule --all` prints in its fix column, and `rule CODE` as its fix sentence, by the kind of
# fixes the rule's bad examples get: --fix applies safe ones, unsafe ones need --unsafe-fixes,
# display-only ones are shown and never applied.
SENTENCES = {
    "safe": "Fix is available.",
    "sometimes": "Fix is sometimes available.",
    "unsafe": "Fix is available with `--unsafe-fixes` (unsafe: it may change what the program does).",
    "mixed": "Fix is available; some fixes are unsafe and need `--unsafe-fixes`.",
    "display-only": "Fix is display-only: suggested, never applied.",
    "none": "Fix is not available.",
}
COLUMN = {
    "safe": "yes",
    "sometimes": "some",
    "mixed": "yes",
    "unsafe": "unsafe",
    "display-only": "display",
    "none": "no",
}


def fix_kind(rule: type[Rule]) -> str:
    """From the rule's bad examples as linted: the applicabilities of their fixes, and whether
    some finding has none ("sometimes", ruff's word)."""
    if not rule.has_fix():
        return "none"
    from pt_lsp.core.engine import lint_source
    from pt_lsp.core.selection import Selection

    kinds: set[Applicability] = set()
    without = False
    for example in rule.examples:
        if not example.is_bad_for(rule.code):
            continue
        result = lint_source(example.code, f"<{rule.code} example>", selection=Selection.of([rule.code]))
        for finding in result.findings:
            if finding.code == rule.code:
                kinds.update(fix.applicability for fix in finding.fixes)
                without = without or not finding.fixes
    applied = kinds - {Applicability.DISPLAY_ONLY}
    if not applied:
        return "display-only" if kinds else "none"
    if applied == {Applicability.UNSAFE}:
        return "unsafe"
    if without:
        return "sometimes"
    return "mixed" if Applicability.UNSAFE in applied else "safe"


def describe(rule: type[Rule]) -> dict:
    kind = fix_kind(rule)
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "severity": rule.severity.value,
        "fixable": kind not in ("none", "display-only"),
        "fix_availability": kind,
        "fix": SENTENCES[kind],
        "url": rule.url(),
        "explanation": rule.documentation(),
    }


def catalogue() -> list[dict]:
    return [describe(rule) for rule in all_rules().values()]


def lookup(code: str) -> dict | None:
    code = code.strip().upper()
    rule = next((r for c, r in all_rules().items() if c == code or r.name == code.lower()), None)
    return describe(rule) if rule is not None else None


def rule_markdown(entry: dict) -> str:
    """``pt-lsp rule CODE``'s text: a Markdown document (the editor command shows the same)."""
    out = [f"# {entry['name']} ({entry['code']})\n\n"]
    if entry["summary"]:
        out.append(f"{entry['summary'][:1].upper()}{entry['summary'][1:]}.\n\n")
    out.append(f"{entry['fix']}\n\n{entry['explanation'].rstrip()}\n")
    path = all_rules()[entry["code"]].example_path()
    if path is not None:
        title, steps = path
        out.append(f'\n## Evidence path\nOn the example "{title}":\n')
        out.extend(f"{number}. {step}\n" for number, step in enumerate(steps, start=1))
    return "".join(out)


def show_rule(code: str, output_format: str, stdout: TextIO, stderr: TextIO) -> int:
    entry = lookup(code)
    if entry is None:
        print(f"error: unknown rule {code!r} (see `pt-lsp rule --all`)", file=stderr)
        return 2
    if output_format == "json":
        stdout.write(json.dumps(entry, indent=2) + "\n")
        return 0
    stdout.write(rule_markdown(entry))
    return 0


def show_all(output_format: str, stdout: TextIO) -> int:
    entries = catalogue()
    if output_format == "json":
        stdout.write(json.dumps(entries, indent=2) + "\n")
        return 0
    name_width = max(len(e["name"]) for e in entries)
    stdout.write(f"{'code':<7} {'name':<{name_width}}  {'fix':<7}  summary\n")
    for e in entries:
        fix = COLUMN[e["fix_availability"]]
        stdout.write(f"{e['code']:<7} {e['name']:<{name_width}}  {fix:<7}  {e['summary']}\n")
    return 0
