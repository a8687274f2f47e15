"""The project's ``[tool.pt-lsp]`` for each open file, found as ``pt-lsp check`` finds it.

The closest ``pyproject.toml`` with a ``[tool.pt-lsp]`` table governs a file (its select, ignore,
per-file-ignores and exclude). Lookups are cached per directory until a ``pyproject.toml``
changes.
"""
from __future__ import annotations

import os
from collections.abc import Callable

from pt_lsp.core.config import DEFAULT, PYPROJECT, ConfigFinder, ProjectConfig

__all__ = ["PYPROJECT", "ProjectSettings"]


class ProjectSettings:
    def __init__(self, warn: Callable[[str], None]) -> None:
        self._warn = warn
        self._finder = ConfigFinder(warn)

    def for_path(self, path: str) -> ProjectConfig:
        if not os.path.isabs(path):
            return DEFAULT  # an untitled buffer: no project around it
        return self._finder.for_path(path)

    def reload(self) -> None:
        """A pyproject.toml changed: forget every lookup."""
        self._finder = ConfigFinder(self._warn)
