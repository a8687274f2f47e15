"""Extra rule modules named in ``PT_LSP_EXTRA_RULES`` (comma-separated module names).

Importing a module that defines ``Rule`` subclasses registers them. This is the hook for
project-specific rules and for the server's end-to-end tests (``tests.lsp.fake_rules``).
"""

from __future__ import annotations

import importlib
import os

ENV = "PT_LSP_EXTRA_RULES"


def load_extra_rules(environ: dict[str, str] | None = None) -> list[str]:
    """Import each named module; returns one message per module that could not be loaded."""
    names = (environ if environ is not None else os.environ).get(ENV, "")
    problems = []
    for name in filter(None, (part.strip() for part in names.split(","))):
        try:
            importlib.import_module(name)
        except Exception as error:  # a broken plugin must not stop the server
            problems.append(f"{ENV}: could not import {name}: {type(error).__name__}: {error}")
    return problems


def load_rule_modules() -> list[str]:
    """Load the rules; the core skips a module that fails to import, and it is reported here."""
    from pt_lsp.core.rule import IMPORT_ERRORS, all_rules

    all_rules()
    return [
        f"rule module {name} could not be imported and is skipped: {error}" for name, error in IMPORT_ERRORS.items()
    ]
