"""The project's ``[tool.pt-lsp]`` for each open file, found as ``pt-lsp check`` finds it.

The closest ``pyproject.toml`` with a ``[tool.pt-lsp]`` table governs a file (its select, ignore,
per-file-ignores and exclude). Lookups are cached per directory until a ``pyproject.toml``
changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pt_lsp.core.config import ConfigFinder, ProjectConfig

PYPROJECT = "pyproject.toml"


class ProjectSettings:
    def __init__(self, warn: Callable[[str], None]) -> None:
        self._warn = warn
        self._finder: ConfigFinder | None = None  # made on first use: keeps tomllib out of start-up

    def for_path(self, path: str) -> ProjectConfig:
        from pt_lsp.core.config import DEFAULT, ConfigFinder

        if not os.path.isabs(path):
            return DEFAULT  # an untitled buffer: no project around it
        if self._finder is None:
            # the server goes on with what it could read (the command line stops instead)
            self._finder = ConfigFinder(lambda problem: self._warn(f"{problem}; ignored"))
        return self._finder.for_path(path)

    def reload(self) -> None:
        """A pyproject.toml changed: forget every lookup."""
        self._finder = None
