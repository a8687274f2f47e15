"""``pt-lsp/debugInfo``: a custom request for tests and bug reports (what is this server running?)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import pt_lsp
from pt_lsp.core.rule import all_rules

if TYPE_CHECKING:
    from .state import PtLanguageServer

DEBUG_INFO = "pt-lsp/debugInfo"


def debug_info(ls: PtLanguageServer, params: Any) -> dict:
    settings = ls.settings
    return {
        "version": pt_lsp.__version__,
        "pid": os.getpid(),
        "python": sys.version.split()[0],
        "torchImported": "torch" in sys.modules,  # the server must never import torch
        "rules": sorted(all_rules()),
        "positionEncoding": ls.client.encoding,
        "pullDiagnostics": ls.client.pull_diagnostics,
        "notebookCellsPulled": ls.linter.cells_pulled,  # then notebook cells are no longer pushed
        "settings": {
            "select": list(settings.select) if settings.select is not None else None,
            "ignore": list(settings.ignore) if settings.ignore is not None else None,
            "severity": {code: severity.value for code, severity in settings.severity},
            "fixAll": settings.fix_all,
            "unsafeFixes": settings.unsafe_fixes,
            "debounce": settings.debounce_ms,
            "lintInThread": settings.lint_in_thread,
        },
    }
