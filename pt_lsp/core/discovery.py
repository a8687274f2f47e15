"""Which files `pt-lsp check PATH...` lints: ``.py`` and ``.ipynb`` files found recursively,
minus default excludes, ``.gitignore``d paths and the project's ``exclude`` globs.

A file named explicitly on the command line is always linted (ruff does the same): excludes
only prune what the walk finds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .config import ConfigFinder
from .gitignore import IgnoreRules, rules_for

SOURCE_SUFFIXES = (".py", ".ipynb")
DEFAULT_EXCLUDES = frozenset(
    {
        ".bzr",
        ".direnv",
        ".eggs",
        ".git",
        ".git-rewrite",
        ".hg",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".nox",
        ".pants.d",
        ".pyenv",
        ".pytest_cache",
        ".pytype",
        ".ruff_cache",
        ".svn",
        ".tox",
        ".venv",
        ".vscode",
        "__pypackages__",
        "__pycache__",
        "_build",
        "buck-out",
        "build",
        "dist",
        "node_modules",
        "site-packages",
        "venv",
    }
)


@dataclass
class Discovery:
    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # paths given that do not exist


def is_source(name: str) -> bool:
    return name.endswith(SOURCE_SUFFIXES)


def discover(
    paths: list[str],
    configs: ConfigFinder | None = None,
    respect_gitignore: bool = True,
    warn: Callable[[str], None] | None = None,
) -> Discovery:
    """Files to lint under ``paths``, sorted and without duplicates, in the spelling the user
    gave (relative paths stay relative)."""
    configs = configs or ConfigFinder()
    found = Discovery()
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            found.files.append(path)

    for path in paths:
        if os.path.isdir(path):
            rules = rules_for(path) if respect_gitignore else IgnoreRules()
            for file in _walk(path, rules, configs, respect_gitignore, warn):
                add(file)
        elif os.path.lexists(path):
            add(path)
        else:
            found.missing.append(path)
    return found


def _walk(
    top: str,
    rules: IgnoreRules,
    configs: ConfigFinder,
    respect_gitignore: bool,
    warn: Callable[[str], None] | None,
) -> Iterator[str]:
    try:
        with os.scandir(top) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as error:
        if warn:
            warn(f"skipping {top}: {error.strerror or error}")
        return
    config = configs.for_directory(os.path.abspath(top))
    subdirs = []
    for entry in entries:
        path = os.path.join(top, entry.name) if top != "." else entry.name
        try:
            is_dir = entry.is_dir()  # follows symlinks, like ruff
        except OSError:
            continue
        if is_dir and entry.name in DEFAULT_EXCLUDES:
            continue
        if respect_gitignore and rules.ignored(path, is_dir):
            continue
        if config.excludes(path):
            continue
        if is_dir:
            if not entry.is_symlink():  # a link to a directory could loop back on itself
                subdirs.append(path)
        elif is_source(entry.name):
            yield path
    for sub in subdirs:
        child_rules = rules.child(sub) if respect_gitignore else rules
        yield from _walk(sub, child_rules, configs, respect_gitignore, warn)
