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
    """Import each module of ``pt_lsp.rules`` on its own; one that fails is reported and skipped.

    ``all_rules()`` imports them all and would raise on every lint if one were broken; an empty
    stand-in module in ``sys.modules`` keeps the other rules running.
    """
    import pkgutil
    import sys
    import types

    import pt_lsp.rules as package

    problems = []
    for info in pkgutil.iter_modules(package.__path__):
        name = f"{package.__name__}.{info.name}"
        try:
            importlib.import_module(name)
        except Exception as error:
            sys.modules[name] = types.ModuleType(name, f"stand-in: {name} failed to import")
            problems.append(f"rule module {name} could not be imported and is skipped: {type(error).__name__}: {error}")
    return problems
