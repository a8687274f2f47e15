"""Shared test configuration: tests that need torch (or NumPy, TensorBoard) skip where it is missing.

The linter, the server and most tests need no torch; the tests that run real torch to show that
a rule's claim holds import it inside the test. Such a test is skipped, not failed, where the
module is not installed, in two ways:

- explicitly: ``@pytest.mark.requires_torch`` (or ``@pytest.mark.requires("numpy", "torch")``);
- automatically: a test function whose body imports an optional module (``import torch``,
  ``from torch import nn``), or uses a name its test module imported from one at the top
  (``np`` after ``import numpy as np``), gets the same skip at collection.

- a test module that imports an optional module at its top (outside ``try``) is skipped as a
  whole: its import would fail before any test is collected. ``torch =
  pytest.importorskip("torch")`` at the top says the same explicitly.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import sys
import textwrap
from pathlib import Path
from types import FunctionType, ModuleType

import pytest

try:  # property tests assert what the code does, never how fast: a loaded machine is no failure
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("pt-lsp", deadline=None)
    _hypothesis_settings.load_profile("pt-lsp")
except ImportError:  # pragma: no cover - hypothesis is in the dev extra
    pass

# Modules that the dev extra installs but a plain install (`pip install .`) does not.
OPTIONAL = ("torch", "numpy", "tensorboard", "tensorboardX")


@functools.cache
def available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _optional_root(module: str | None) -> str | None:
    root = (module or "").split(".")[0]
    return root if root in OPTIONAL else None


@functools.cache
def _module_aliases(module: ModuleType) -> dict[str, str]:
    """Top-level names of ``module`` bound by importing an optional module (``np`` → numpy)."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError):
        return {}
    aliases: dict[str, str] = {}
    for statement in tree.body:
        nodes = ast.walk(statement) if isinstance(statement, (ast.Try, ast.If)) else (statement,)
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if root := _optional_root(alias.name):
                        aliases[alias.asname or alias.name.split(".")[0]] = root
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and (root := _optional_root(node.module)):
                for alias in node.names:
                    aliases[alias.asname or alias.name] = root
    return aliases


@functools.cache
def needed_modules(function: FunctionType) -> frozenset[str]:
    """The optional modules that ``function`` imports in its body or uses through a top-level alias."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    module = sys.modules.get(function.__module__)
    aliases = _module_aliases(module) if module is not None else {}
    needed: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            needed.update(root for alias in node.names if (root := _optional_root(alias.name)))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (root := _optional_root(node.module)):
            needed.add(root)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in aliases:
            needed.add(aliases[node.id])
    return frozenset(needed)


def top_level_imports(path: Path) -> frozenset[str]:
    """The optional modules a test module imports unguarded at its top (its import fails without them)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return frozenset()
    needed: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            needed.update(root for alias in node.names if (root := _optional_root(alias.name)))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (root := _optional_root(node.module)):
            needed.add(root)
    return frozenset(needed)


class _SkippedModule(pytest.Module):
    """A test module that cannot be imported here: one skip instead of a collection error."""

    reason = ""

    def collect(self):  # type: ignore[override]
        pytest.skip(self.reason, allow_module_level=True)


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    missing = sorted(module for module in top_level_imports(module_path) if not available(module))
    if not missing:
        return None
    module = _SkippedModule.from_parent(parent, path=module_path)
    module.reason = f"needs {', '.join(missing)} (not installed)"
    return module


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requires_torch: needs torch (skipped where it is not installed)")
    config.addinivalue_line("markers", "requires(*modules): needs these importable modules (skipped otherwise)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        needed: set[str] = set()
        if item.get_closest_marker("requires_torch") is not None:
            needed.add("torch")
        for marker in item.iter_markers("requires"):
            needed.update(marker.args)
        function = getattr(item, "function", None)
        if isinstance(function, FunctionType):
            needed.update(needed_modules(function))
        missing = sorted(module for module in needed if not available(module))
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"needs {', '.join(missing)} (not installed)"))
