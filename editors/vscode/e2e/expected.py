"""What pt-lsp's core finds in a file, as JSON: the VS Code end-to-end test checks the Problems
panel, the quick fix and fix-all on save against this rather than against hard-coded text.

Usage: python expected.py FILE CODE   (CODE: the finding whose preferred fix the test applies)
"""

import json
import sys

from pt_lsp.core.engine import lint_source
from pt_lsp.core.fixes import apply_edits, fix_source


def main(path: str, code: str) -> None:
    with open(path, encoding="utf-8") as file:
        text = file.read()
    findings = lint_source(text, path).findings
    target = next(f for f in findings if f.code == code and f.fix is not None)
    fixed = apply_edits(text, target.fix.edits)
    changed = [line for line in fixed.splitlines() if line not in text.splitlines()]
    json.dump(
        {
            "findings": [
                {"code": f.code, "message": f.message, "line": f.line, "related": [r.message for r in f.related]}
                for f in findings
            ],
            "fix": {"code": code, "line": target.line, "title": target.fix.title, "changed_lines": changed},
            # The file once "Fix all" has run on save after that quick fix.
            "fixed_all": fix_source(fixed, path).text,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
