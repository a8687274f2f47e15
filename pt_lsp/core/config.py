"""``[tool.pt-lsp]`` in ``pyproject.toml``, found by walking up from each linted path.

Like ruff, the closest ``pyproject.toml`` that *has* a ``[tool.pt-lsp]`` table governs a file;
one without the table is passed over. ``--config FILE`` names one file for every path instead,
``--isolated`` reads none, and the command line's flags (``Overrides``) are laid over whichever
table governs, key by key, with ruff's layering. A bad value is told to ``warn``: the command
line stops on it (exit 2), the server warns and goes on without it.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from .selection import Selection

PYPROJECT = "pyproject.toml"
TABLE = "pt-lsp"
CODE_LIST_KEYS = ("select", "extend-select", "ignore", "extend-ignore", "fixable", "extend-fixable", "unfixable")
GLOB_LIST_KEYS = ("exclude", "extend-exclude")
TABLE_KEYS = ("per-file-ignores", "extend-per-file-ignores")
BOOL_KEYS = ("force-exclude", "respect-gitignore")
VERSION_KEYS = ("target-torch", "target-version")
KNOWN_KEYS = {*CODE_LIST_KEYS, *GLOB_LIST_KEYS, *TABLE_KEYS, *BOOL_KEYS, *VERSION_KEYS, "cache-dir"}
MIN_PYTHON = (3, 7)  # the oldest grammar ``ast.parse(feature_version=...)`` knows

# Told each problem of a configuration (the file and key it is about): the command line stops
# on the first, the server warns and goes on without the bad value.
Warn = Callable[[str], None]


def _ignore_warning(message: str) -> None:
    pass


def _toml() -> ModuleType | None:
    """tomllib, imported when a file is about us (most runs have none to read); None on Python
    3.10 without the tomli backport (a dependency there)."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:
        return importlib.import_module("tomli")
    except ModuleNotFoundError:
        return None


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
    fixable: tuple[str, ...] | None = None  # None: every rule's fixes may be applied
    unfixable: tuple[str, ...] = ()
    target_version: tuple[int, int] | None = None  # `target-version = "py38"`: the Python grammar
    force_exclude: bool = False  # `exclude` applies to paths named on the command line too
    respect_gitignore: bool = True
    cache_dir: str | None = None  # absolute
    later_ignore: tuple[str, ...] = ()  # --ignore over this table's select: a later layer (ruff)

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
        if self.later_ignore:
            selection = selection.extend(self.later_ignore)
        if self.target_torch is not None:
            selection = selection.targeting(self.target_torch)
        if path is not None:
            ignored = self.ignored_for(path)
            if ignored:
                selection = selection.extend(ignored)
        return selection

    def fixable_selection(self) -> Selection | None:
        """Which rules' fixes ``--fix`` may apply; None when all of them (the common case)."""
        if self.fixable is None and not self.unfixable:
            return None
        return Selection.of(self.fixable if self.fixable is not None else ("ALL",), self.unfixable)

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

    def describe(self) -> list[str]:
        """``--show-settings``: one ``key = value`` line per setting, in ruff's spirit."""

        def codes(value: tuple[str, ...] | None) -> str:
            return "(default)" if value is None else "[" + ", ".join(c or "ALL" for c in value) + "]"

        def version(value: tuple[int, int] | None, default: str) -> str:
            return default if value is None else f"{value[0]}.{value[1]}"

        return [
            f"config file = {self.path or '(none)'}",
            f"project root = {self.root or os.getcwd()}",
            f"select = {codes(self.select)}",
            f"ignore = {codes(self.ignore + self.later_ignore)}",
            "per-file-ignores = {" + ", ".join(f"{p!r}: {codes(c)}" for p, c in self.per_file_ignores) + "}",
            f"fixable = {codes(self.fixable)}",
            f"unfixable = {codes(self.unfixable)}",
            f"exclude = {list(self.exclude)}",
            f"force-exclude = {str(self.force_exclude).lower()}",
            f"respect-gitignore = {str(self.respect_gitignore).lower()}",
            f"target-version = {version(self.target_version, 'the running Python')}",
            f"target-torch = {version(self.target_torch, 'the installed torch')}",
            f"cache-dir = {self.cache_dir or '(default)'}",
        ]


DEFAULT = ProjectConfig(root="")


def _codes(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip().upper() for v in value if v.strip())
    return None


class ConfigError(Exception):
    """A configuration the command line refuses (exit 2): the message names the file and key."""


def unknown_codes(codes: Iterable[str]) -> list[str]:
    """The codes and prefixes of ``codes`` that name no rule (``PTL9``, ``PTL1O2``, ``XYZ``);
    ``ALL`` names every rule."""
    from .rule import all_rules  # the registry: imported when a config names codes

    known = list(all_rules())
    return [c for c in codes if c.upper() != "ALL" and not any(k.startswith(c) for k in known)]


def _globs(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v.strip())
    return None


def parse_python_version(value: str) -> tuple[int, int] | None:
    """``py38``, ``3.8`` or ``38`` -> (3, 8); None for anything else or an unsupported version."""
    text = value.strip().lower().removeprefix("py").replace(".", "")
    if not text.isdigit() or len(text) < 2 or text[0] != "3":
        return None
    version = (3, int(text[1:]))
    return version if MIN_PYTHON <= version <= (3, 99) else None


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
        unknown = unknown_codes(codes)
        if unknown:
            warn(f"{where}: [tool.pt-lsp] {key}: unknown rule code {', '.join(map(repr, unknown))}")
            codes = tuple(c for c in codes if c not in unknown)
        return codes

    select = codes_of("select")
    extend_select = codes_of("extend-select") or ()
    if extend_select:
        select = (select if select is not None else ("PTL",)) + extend_select
    ignore = (codes_of("ignore") or ()) + (codes_of("extend-ignore") or ())
    fixable = codes_of("fixable")
    extend_fixable = codes_of("extend-fixable") or ()
    if extend_fixable and fixable is not None:
        fixable += extend_fixable
    unfixable = codes_of("unfixable") or ()

    per_file: list[tuple[str, tuple[str, ...]]] = []
    for key in TABLE_KEYS:
        raw = table.get(key, {})
        if not isinstance(raw, dict):
            warn(f"{where}: [tool.pt-lsp] {key} must be a table of glob = [codes]")
            raw = {}
        for pattern, value in raw.items():
            codes = _codes(value)
            unknown = unknown_codes(codes) if codes else []
            if codes is None:
                warn(f"{where}: {key} entry {pattern!r} must be a list of rule codes")
            elif unknown:
                warn(f"{where}: {key} entry {pattern!r}: unknown rule code {', '.join(map(repr, unknown))}")
            elif codes:
                per_file.append((pattern, codes))

    exclude: list[str] = []
    for key in GLOB_LIST_KEYS:
        if key in table:
            globs = _globs(table[key])
            if globs is None:
                warn(f"{where}: [tool.pt-lsp] {key} must be a list of globs")
            else:
                exclude.extend(globs)
    flags: dict[str, bool] = {}
    for key in BOOL_KEYS:
        if key in table and not isinstance(table[key], bool):
            warn(f"{where}: [tool.pt-lsp] {key} must be true or false")
        elif key in table:
            flags[key] = table[key]
    target = None
    if "target-torch" in table:
        from .vocabulary import parse_torch_version  # imported where a project sets it

        raw_target = table["target-torch"]
        target = parse_torch_version(raw_target) if isinstance(raw_target, str) else None
        if target is None:
            warn(f'{where}: [tool.pt-lsp] target-torch must be a version such as "2.1"')
    python = None
    if "target-version" in table:
        raw_python = table["target-version"]
        python = parse_python_version(raw_python) if isinstance(raw_python, str) else None
        if python is None:
            warn(f'{where}: [tool.pt-lsp] target-version must be a Python version such as "py38" (3.7 or later)')
    cache_dir = None
    if "cache-dir" in table:
        if isinstance(table["cache-dir"], str) and table["cache-dir"].strip():
            cache_dir = os.path.join(root or os.getcwd(), os.path.expanduser(table["cache-dir"]))
        else:
            warn(f"{where}: [tool.pt-lsp] cache-dir must be a directory name")
    return ProjectConfig(
        root,
        path,
        select,
        ignore,
        tuple(per_file),
        tuple(exclude),
        target,
        fixable,
        unfixable,
        python,
        flags.get("force-exclude", False),
        flags.get("respect-gitignore", True),
        cache_dir,
    )


@dataclass(frozen=True)
class Overrides:
    """The command line's say, laid over the governing table with ruff's layering: a flag
    that names a key replaces it (``--select`` also drops the table's ignores and
    extend-select, as a later ``select`` does in ruff), an ``--extend-*`` flag adds to it, and
    ``--config KEY=VALUE`` replaces the key before the flags are applied."""

    values: tuple[tuple[str, Any], ...] = ()  # --config KEY=VALUE, in order
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    extend_per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fixable: tuple[str, ...] | None = None
    unfixable: tuple[str, ...] = ()
    extend_fixable: tuple[str, ...] = ()
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool | None = None
    respect_gitignore: bool | None = None
    target_version: str | None = None
    target_torch: str | None = None

    def apply(self, table: dict[str, Any]) -> dict[str, Any]:
        table = dict(table)
        for key, value in self.values:
            table[key] = value
        if self.select is not None:
            for dropped in ("ignore", "extend-ignore", "extend-select"):
                table.pop(dropped, None)
            table["select"] = list(self.select)
        if self.extend_select:
            table["extend-select"] = list(_codes(table.get("extend-select")) or ()) + list(self.extend_select)
        if self.ignore and self.select is not None:  # the same layer as --select
            table["extend-ignore"] = list(_codes(table.get("extend-ignore")) or ()) + list(self.ignore)
        if self.per_file_ignores is not None:
            table["per-file-ignores"] = {pattern: list(codes) for pattern, codes in self.per_file_ignores}
            table.pop("extend-per-file-ignores", None)
        if self.extend_per_file_ignores:
            extended = dict(table.get("extend-per-file-ignores") or {})
            for pattern, codes in self.extend_per_file_ignores:
                extended[pattern] = list(_codes(extended.get(pattern)) or ()) + list(codes)
            table["extend-per-file-ignores"] = extended
        if self.fixable is not None:
            table["fixable"] = list(self.fixable)
            table.pop("extend-fixable", None)
        if self.extend_fixable:
            table["extend-fixable"] = list(_codes(table.get("extend-fixable")) or ()) + list(self.extend_fixable)
        if self.unfixable:
            table["unfixable"] = list(_codes(table.get("unfixable")) or ()) + list(self.unfixable)
        if self.exclude is not None:
            table["exclude"] = list(self.exclude)
        if self.extend_exclude:
            table["extend-exclude"] = list(_globs(table.get("extend-exclude")) or ()) + list(self.extend_exclude)
        for key, flag in (("force-exclude", self.force_exclude), ("respect-gitignore", self.respect_gitignore)):
            if flag is not None:
                table[key] = flag
        for key, text in (("target-version", self.target_version), ("target-torch", self.target_torch)):
            if text is not None:
                table[key] = text
        return table


NO_OVERRIDES = Overrides()


def _read_toml(path: str, warn: Warn) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        warn(f"{path}: {error.strerror or error}")
        return None
    if os.path.basename(path) == PYPROJECT and TABLE.encode() not in raw:
        return None  # most pyproject.toml files are not about us: no need to parse them
    tomllib = _toml()
    if tomllib is None:
        warn(f"{path}: reading it needs the tomli package on Python < 3.11")
        return None
    try:
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        warn(f"{path}: {error}")
        return None
    except RecursionError:
        warn(f"{path}: nested too deeply to read")
        return None
    return data


def parse_toml(text: str) -> dict[str, Any]:
    """``--config 'select = ["PTL2"]'``: a TOML fragment; ValueError says what is wrong."""
    tomllib = _toml()
    if tomllib is None:
        raise ValueError("reading TOML needs the tomli package on Python < 3.11")
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(str(error)) from None
    return data


def load_table(path: str, warn: Warn = _ignore_warning) -> dict[str, Any] | None:
    """The ``[tool.pt-lsp]`` table of a ``pyproject.toml`` (None when it has none or cannot be
    read); a file of another name (``--config pt-lsp.toml``) holds the keys at its top level,
    like ``ruff.toml``."""
    data = _read_toml(path, warn)
    if data is None:
        return None
    tool = data.get("tool")
    table = tool.get(TABLE) if isinstance(tool, dict) else None
    if table is None and os.path.basename(path) != PYPROJECT:
        table = data
    if table is None:
        return None
    if not isinstance(table, dict):
        warn(f"{path}: [tool.pt-lsp] is not a table")
        return None
    return table


def load_pyproject(path: str, warn: Warn = _ignore_warning) -> ProjectConfig | None:
    """The config of one ``pyproject.toml``; None when it has no ``[tool.pt-lsp]`` table
    or cannot be read."""
    table = load_table(path, warn)
    if table is None:
        return None
    return parse_table(table, os.path.dirname(os.path.abspath(path)), path, warn)


@dataclass
class ConfigFinder:
    """Finds the governing config of each directory, caching every directory it passes.

    ``config_file`` (``--config FILE``) governs every path, ``isolated`` reads no file at all;
    ``overrides`` are laid over whatever governs."""

    warn: Warn = _ignore_warning
    overrides: Overrides = NO_OVERRIDES
    config_file: str | None = None
    isolated: bool = False
    _by_dir: dict[str, ProjectConfig] = field(default_factory=dict)
    _fixed: ProjectConfig | None = None  # the one config of --config FILE / --isolated

    def for_path(self, path: str) -> ProjectConfig:
        absolute = os.path.abspath(path)
        directory = absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
        return self.for_directory(directory)

    def _parse(self, table: dict[str, Any], root: str, path: str | None) -> ProjectConfig:
        config = parse_table(self.overrides.apply(table), root, path, self.warn)
        later = self.overrides.ignore if self.overrides.select is None else ()
        return dataclasses.replace(config, later_ignore=later) if later else config

    def for_directory(self, directory: str) -> ProjectConfig:
        if self.isolated or self.config_file is not None:
            if self._fixed is None:
                self._fixed = self._load_fixed()
            return self._fixed
        visited: list[str] = []
        current = directory
        found: ProjectConfig | None = None
        while True:
            if current in self._by_dir:
                found = self._by_dir[current]
                break
            visited.append(current)
            pyproject = os.path.join(current, PYPROJECT)
            table = load_table(pyproject, self.warn)
            if table is not None:
                found = self._parse(table, current, pyproject)
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        if found is None:
            found = self._parse({}, "", None) if self.overrides != NO_OVERRIDES else DEFAULT
        for seen in visited:
            self._by_dir[seen] = found
        return found

    def _load_fixed(self) -> ProjectConfig:
        if self.isolated or self.config_file is None:
            return self._parse({}, "", None)
        path = os.path.abspath(self.config_file)
        if not os.path.isfile(path):
            self.warn(f"{self.config_file}: no such configuration file")
            return self._parse({}, "", None)
        table = load_table(path, self.warn)
        return self._parse(table or {}, os.path.dirname(path), path)
