"""``[tool.pt-lsp]`` in ``pyproject.toml``, found by walking up from each linted path.

Like ruff, the closest ``pyproject.toml`` that *has* a ``[tool.pt-lsp]`` table governs a file;
one without the table is passed over. Keys: ``select``, ``extend-select``, ``ignore``,
``per-file-ignores`` (glob -> codes), ``exclude`` and ``extend-exclude`` (globs). A broken
file or a bad value is reported through ``warn`` and skipped, never fatal.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the tomli backport (a dependency there)
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        tomllib = None

from .selection import Selection
from .vocabulary import parse_torch_version

PYPROJECT = "pyproject.toml"
TABLE = "pt-lsp"
KNOWN_KEYS = {
    "select",
    "extend-select",
    "ignore",
    "extend-ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "target-torch",
}

# Told each problem of a configuration (the file and key it is about): the command line stops
# on the first, the server warns and goes on without the bad value.
Warn = Callable[[str], None]


def _ignore_warning(message: str) -> None:
    pass


def path_matches(pattern: str, relative: str) -> bool:
    """Ruff-style glob match of a ``/``-separated path relative to the config root.

    A pattern without ``/`` also matches the file's (or directory's) own name, and a leading
    ``**/`` may match zero directories, so ``**/test_*.py`` matches ``test_a.py`` at the root.
    """
    pattern = pattern.strip().replace(os.sep, "/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.rstrip("/") or pattern
    candidates = {pattern}
    while pattern.startswith("**/"):
        pattern = pattern[3:]
        candidates.add(pattern)
    name = relative.rsplit("/", 1)[-1]
    for candidate in candidates:
        if fnmatch.fnmatchcase(relative, candidate):
            return True
        if "/" not in candidate and fnmatch.fnmatchcase(name, candidate):
            return True
        # a directory pattern also covers everything inside it
        if fnmatch.fnmatchcase(relative, candidate + "/*"):
            return True
    return False


@dataclass(frozen=True)
class ProjectConfig:
    root: str  # the directory holding pyproject.toml ('' for the defaults)
    path: str | None = None  # the pyproject.toml itself
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    target_torch: tuple[int, int] | None = None  # `target-torch = "2.1"`

    def relative(self, path: str) -> str:
        if not self.root:
            return path.replace(os.sep, "/")
        return os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")

    def selection(
        self, path: str | None = None, cli_select: list[str] | None = None, cli_ignore: list[str] | None = None
    ) -> Selection:
        """Ruff's layering: a command-line ``--select`` replaces the project's choice,
        ``--ignore`` adds to it; then the per-file ignores of ``path``."""
        if cli_select is not None:
            selection = Selection.of(cli_select, cli_ignore or ())
        else:
            selection = Selection.of(self.select, self.ignore + tuple(cli_ignore or ()))
        if self.target_torch is not None:
            selection = selection.targeting(self.target_torch)
        if path is not None:
            ignored = self.ignored_for(path)
            if ignored:
                selection = selection.extend(ignored)
        return selection

    def ignored_for(self, path: str) -> list[str]:
        relative = self.relative(path)
        codes: list[str] = []
        for pattern, ignored in self.per_file_ignores:
            if path_matches(pattern, relative):
                codes.extend(ignored)
        return codes

    def excludes(self, path: str) -> bool:
        if not self.exclude:
            return False
        relative = self.relative(path)
        return any(path_matches(pattern, relative) for pattern in self.exclude)


DEFAULT = ProjectConfig(root="")


def _codes(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip().upper() for v in value if v.strip())
    return None


class ConfigError(Exception):
    """A configuration the command line refuses (exit 2): the message names the file and key."""


def _unknown_codes(codes: tuple[str, ...], allow_all: bool) -> list[str]:
    """The codes and prefixes of ``codes`` that name no rule (``PTL9``, ``PTL1O2``, ``XYZ``)."""
    from .rule import all_rules  # the registry: imported when a config names codes

    known = list(all_rules())
    return [c for c in codes if not (allow_all and c == "ALL") and not any(k.startswith(c) for k in known)]


def _globs(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v.strip())
    return None


def parse_table(table: dict[str, Any], root: str, path: str | None, warn: Warn = _ignore_warning) -> ProjectConfig:
    """A :class:`ProjectConfig` from a ``[tool.pt-lsp]`` table; bad values are warned about."""
    where = path or "[tool.pt-lsp]"
    for key in table:
        if key not in KNOWN_KEYS:
            warn(f"{where}: unknown key {key!r} in [tool.pt-lsp]")

    def codes_of(key: str) -> tuple[str, ...] | None:
        if key not in table:
            return None
        codes = _codes(table[key])
        if codes is None:
            warn(f"{where}: [tool.pt-lsp] {key} must be a list of rule codes")
            return None
        unknown = _unknown_codes(codes, allow_all=key in ("select", "extend-select"))
        if unknown:
            warn(f"{where}: [tool.pt-lsp] {key}: unknown rule code {', '.join(map(repr, unknown))}")
            codes = tuple(c for c in codes if c not in unknown)
        return codes

    select = codes_of("select")
    extend_select = codes_of("extend-select") or ()
    if extend_select:
        select = (select if select is not None else ("PTL",)) + extend_select
    ignore = (codes_of("ignore") or ()) + (codes_of("extend-ignore") or ())

    per_file: list[tuple[str, tuple[str, ...]]] = []
    raw = table.get("per-file-ignores", {})
    if not isinstance(raw, dict):
        warn(f"{where}: [tool.pt-lsp] per-file-ignores must be a table of glob = [codes]")
        raw = {}
    for pattern, value in raw.items():
        codes = _codes(value)
        unknown = _unknown_codes(codes, allow_all=False) if codes else []
        if codes is None:
            warn(f"{where}: per-file-ignores entry {pattern!r} must be a list of rule codes")
        elif unknown:
            warn(f"{where}: per-file-ignores entry {pattern!r}: unknown rule code {', '.join(map(repr, unknown))}")
        elif codes:
            per_file.append((pattern, codes))

    exclude: list[str] = []
    for key in ("exclude", "extend-exclude"):
        if key in table:
            globs = _globs(table[key])
            if globs is None:
                warn(f"{where}: [tool.pt-lsp] {key} must be a list of globs")
            else:
                exclude.extend(globs)
    target = None
    if "target-torch" in table:
        raw_target = table["target-torch"]
        target = parse_torch_version(raw_target) if isinstance(raw_target, str) else None
        if target is None:
            warn(f'{where}: [tool.pt-lsp] target-torch must be a version such as "2.1"')
    return ProjectConfig(root, path, select, ignore, tuple(per_file), tuple(exclude), target)


def load_pyproject(path: str, warn: Warn = _ignore_warning) -> ProjectConfig | None:
    """The config of one ``pyproject.toml``; None when it has no ``[tool.pt-lsp]`` table
    or cannot be read."""
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        warn(f"{path}: {error.strerror or error}")
        return None
    if TABLE.encode() not in raw:
        return None  # most pyproject.toml files are not about us: no need to parse them
    if tomllib is None:
        warn(f"{path}: reading it needs the tomli package on Python < 3.11")
        return None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        warn(f"{path}: {error}")
        return None
    except RecursionError:
        warn(f"{path}: nested too deeply to read")
        return None
    table = data.get("tool", {}).get(TABLE) if isinstance(data.get("tool"), dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        warn(f"{path}: [tool.pt-lsp] is not a table")
        return None
    return parse_table(table, os.path.dirname(os.path.abspath(path)), path, warn)


@dataclass
class ConfigFinder:
    """Finds the governing config of each directory, caching every directory it passes."""

    warn: Warn = _ignore_warning
    _by_dir: dict[str, ProjectConfig] = field(default_factory=dict)

    def for_path(self, path: str) -> ProjectConfig:
        absolute = os.path.abspath(path)
        directory = absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
        return self.for_directory(directory)

    def for_directory(self, directory: str) -> ProjectConfig:
        visited: list[str] = []
        current = directory
        found = DEFAULT
        while True:
            if current in self._by_dir:
                found = self._by_dir[current]
                break
            visited.append(current)
            config = load_pyproject(os.path.join(current, PYPROJECT), self.warn)
            if config is not None:
                found = config
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        for seen in visited:
            self._by_dir[seen] = found
        return found
