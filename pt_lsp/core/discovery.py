"""Which files `pt-lsp check PATH...` lints: ``.py`` and ``.ipynb`` files found recursively,
minus default excludes, ``.gitignore``d paths and the project's ``exclude`` globs.

A file named explicitly on the command line is linted even when an exclude matches it (ruff
does the same), unless ``force-exclude`` is on: then the excludes, the default ones and
``.gitignore`` apply to named paths too (pre-commit names every file it hands over).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .config import ConfigFinder, ProjectConfig
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
        ".pt_lsp_cache",
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
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (path, why) for paths we may not see
    excluded: list[str] = field(default_factory=list)  # named paths that force-exclude dropped


def is_source(name: str) -> bool:
    return name.endswith(SOURCE_SUFFIXES)


def discover(
    paths: list[str],
    configs: ConfigFinder | None = None,
    respect_gitignore: bool = True,
    warn: Callable[[str], None] | None = None,
    force_exclude: bool = False,
) -> Discovery:
    """Files to lint under ``paths``, sorted and without duplicates, in the spelling the user
    gave (relative paths stay relative). ``respect_gitignore`` and ``force_exclude`` are the
    command line's; a project's ``respect-gitignore = false`` or ``force-exclude = true``
    counts as well."""
    configs = configs or ConfigFinder()
    found = Discovery()
    seen: set[str] = set()
    gitignores: dict[str, IgnoreRules] = {}  # per folder, for the named files force-exclude looks at

    def add(path: str) -> None:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            found.files.append(path)

    for path in paths:
        config = configs.for_path(path)
        gitignore = respect_gitignore and config.respect_gitignore
        try:
            is_dir = stat.S_ISDIR(os.stat(path).st_mode)
        except OSError as error:  # not there, or a folder above it we may not enter
            if error.errno != errno.ENOENT:
                found.unreadable.append((path, error.strerror or str(error)))
            elif os.path.lexists(path):  # a dangling link: reading it says what is wrong
                add(path)
            else:
                found.missing.append(path)
            continue
        if (force_exclude or config.force_exclude) and is_excluded(path, is_dir, config, gitignore, gitignores):
            found.excluded.append(path)
            continue
        if is_dir:
            rules = rules_for(path) if gitignore else IgnoreRules()
            for file in _walk(path, rules, configs, gitignore, warn):
                add(file)
        else:
            add(path)
    return found


def is_excluded(
    path: str, is_dir: bool, config: ProjectConfig, respect_gitignore: bool, cache: dict[str, IgnoreRules] | None = None
) -> bool:
    """Whether a path named on the command line is excluded, as the walk would have excluded
    it: by a default exclude or an ``exclude`` glob on it or a folder above it, or ``.gitignore``."""
    if config.excludes(path):
        return True
    absolute = os.path.abspath(path)
    relative = config.relative(path) if config.root else absolute.replace(os.sep, "/")
    parts = relative.split("/")
    for depth in range(1, len(parts)):  # the folders above it, as far as the project reaches
        folder = "/".join(parts[:depth])
        if parts[depth - 1] in DEFAULT_EXCLUDES or (config.root and config.excludes(os.path.join(config.root, folder))):
            return True
    if respect_gitignore:
        folder = os.path.dirname(absolute)
        cache = {} if cache is None else cache
        if folder not in cache:
            cache[folder] = rules_for(folder)
        return cache[folder].ignored(absolute, is_dir, parents=True)
    return False


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
        try:
            is_dir = entry.is_dir()  # follows symlinks, like ruff
        except OSError:
            continue
        if is_dir and entry.name in DEFAULT_EXCLUDES:
            continue
        if not is_dir and not is_source(entry.name):
            continue  # never linted: not worth the ignore tests (most of a package's files: .pyi, .so, .h)
        path = os.path.join(top, entry.name) if top != "." else entry.name
        if respect_gitignore and rules.ignored(path, is_dir):
            continue
        if config.excludes(path):
            continue
        if not is_dir:
            yield path
        elif not entry.is_symlink():  # a link to a directory could loop back on itself
            subdirs.append(path)
    for sub in subdirs:
        child_rules = rules.child(sub) if respect_gitignore else rules
        yield from _walk(sub, child_rules, configs, respect_gitignore, warn)
