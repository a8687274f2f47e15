"""Server settings: the editor's, merged over the project's ``[tool.pt-lsp]``.

Editor settings arrive as ``initializationOptions``, ``workspace/didChangeConfiguration`` and
``workspace/configuration`` (section ``pt-lsp``). Each source gives a *partial* dict of the keys
it sets; later sources override earlier ones key by key, and an editor that says nothing about
``select`` or ``ignore`` keeps the project's choice (``pt_lsp.core.config``, the same
``pyproject.toml`` lookup as ``pt-lsp check``). Bad values are reported and ignored, never fatal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pt_lsp.core.findings import Severity
from pt_lsp.core.selection import Selection

if TYPE_CHECKING:
    from pt_lsp.core.config import ProjectConfig

SECTION = "pt-lsp"
DEFAULT_DEBOUNCE_MS = 150

# LSP-facing severity names (and the core's own spelling) -> core severity.
SEVERITY_NAMES = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "information": Severity.INFO,
    "info": Severity.INFO,
    "hint": Severity.HINT,
}


DEFAULT_TIME_BUDGET = 5.0


@dataclass(frozen=True)
class Settings:
    """The editor's settings (``None``: not set there, the project's ``[tool.pt-lsp]`` decides)."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    severity: tuple[tuple[str, Severity], ...] = ()  # (code or prefix, severity) overrides
    fix_all: bool = True  # offer source.fixAll.pt-lsp
    unsafe_fixes: bool = False  # include unsafe fixes in fix-all
    debounce_ms: int = DEFAULT_DEBOUNCE_MS
    lint_in_thread: bool = True  # lint in a worker thread so the event loop stays responsive
    extend_select: tuple[str, ...] = ()  # added to the select in force (ruff's extendSelect)
    exclude: tuple[str, ...] = ()  # globs (relative to the project root) of files to leave alone
    configuration: ProjectConfig | None = None  # a config file or inline table used instead of the project's
    runtime_findings: bool = False  # tag diagnostics with the latest `pt-lsp run` (.pt-lsp/run.json)
    # Seconds one document's rules may take; past it the findings so far are shown, flagged as
    # partial (0: no limit). Linear rules take milliseconds: this guards the editor, not speed.
    time_budget: float = DEFAULT_TIME_BUDGET

    def selection(self, project: ProjectConfig, path: str | None) -> Selection:
        """The rules for the file at ``path``: the editor's select/ignore where it sets them,
        else the project's; then the project's per-file-ignores for that file, and its
        ``target-torch``."""
        project = self.configuration or project
        if path and self._excluded(project, path):
            return Selection.of([])  # nothing runs: the file gets no diagnostics
        select = self.select if self.select is not None else project.select
        if self.extend_select:
            select = (select if select is not None else ("PTL",)) + self.extend_select
        ignore = self.ignore if self.ignore is not None else project.ignore
        selection = Selection.of(select, ignore).targeting(project.target_torch)
        ignored = project.ignored_for(path) if path else []
        return selection.extend(ignored) if ignored else selection

    def _excluded(self, project: ProjectConfig, path: str) -> bool:
        if self.configuration is not None and project.excludes(path):
            return True
        if not self.exclude:
            return False
        from pt_lsp.core.config import path_matches

        relative = project.relative(path)
        return any(path_matches(pattern, relative) for pattern in self.exclude)

    def severity_of(self, code: str, default: Severity) -> Severity:
        """The configured severity for ``code``: the longest matching code prefix wins."""
        best, chosen = -1, default
        for prefix, severity in self.severity:
            if code.startswith(prefix) and len(prefix) > best:
                best, chosen = len(prefix), severity
        return chosen


@dataclass
class SettingsLayers:
    """The partial settings of each editor source, kept apart so that one can be replaced alone."""

    init: dict[str, Any] = field(default_factory=dict)  # initializationOptions
    editor: dict[str, Any] = field(default_factory=dict)  # configuration / didChangeConfiguration

    def merged(self) -> Settings:
        values: dict[str, Any] = {}
        for layer in (self.init, self.editor):
            values.update(layer)
        return Settings(**values)


Warn = Callable[[str], None]


def _codes(value: Any, key: str, warn: Warn) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        warn(f"setting {key!r} must be a list of rule codes, got {value!r}; ignored")
        return None
    return tuple(v.strip().upper() for v in value if v.strip())


def _severity(value: Any, warn: Warn) -> tuple[tuple[str, Severity], ...] | None:
    if not isinstance(value, dict):
        warn(f"setting 'severity' must map rule codes to a severity, got {value!r}; ignored")
        return None
    pairs = []
    for code, name in value.items():
        severity = SEVERITY_NAMES.get(str(name).lower())
        if severity is None:
            warn(f"unknown severity {name!r} for {code}; use one of error, warning, information, hint")
            continue
        pairs.append((str(code).strip().upper(), severity))
    return tuple(pairs)


def _globs(value: Any, warn: Warn) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        warn(f"setting 'exclude' must be a list of globs, got {value!r}; ignored")
        return None
    return tuple(v for v in value if v.strip())


def _configuration(value: Any, warn: Warn) -> ProjectConfig | None:
    """ruff's ``configuration``: the path of a config file (``pyproject.toml`` with a
    ``[tool.pt-lsp]`` table, or a file of those keys) or the keys inline; replaces the
    project's ``[tool.pt-lsp]``. Problems are warned about, as every setting's."""
    import os

    from pt_lsp.core.config import ConfigFinder, parse_table

    problems: list[str] = []
    if isinstance(value, dict):
        config = parse_table(value, os.getcwd(), None, problems.append)
    elif isinstance(value, str) and value.strip():
        path = os.path.expanduser(value)
        if not os.path.isfile(path):
            warn(f"setting 'configuration': no such file {value!r}; ignored")
            return None
        config = ConfigFinder(problems.append, config_file=path).for_path(path)
    else:
        warn(f"setting 'configuration' must be a file path or a table of settings, got {value!r}; ignored")
        return None
    for problem in problems:
        warn(f"setting 'configuration': {problem}; ignored")
    return config


def _bool(value: Any, key: str, warn: Warn) -> bool | None:
    if isinstance(value, bool):
        return value
    warn(f"setting {key!r} must be true or false, got {value!r}; ignored")
    return None


def _time_budget(value: Any, warn: Warn) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 600:
        return float(value)
    warn(f"setting 'timeBudget' must be a number of seconds (0-600, 0: no limit), got {value!r}; ignored")
    return None


def _debounce(value: Any, warn: Warn) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 60_000:
        return int(value)
    warn(f"setting 'debounce' must be a number of milliseconds (0-60000), got {value!r}; ignored")
    return None


def editor_settings(raw: Any, warn: Warn) -> dict[str, Any]:
    """The keys an editor set, validated. Accepts ``{"pt-lsp": {...}}`` or the section itself."""
    if raw is None:
        return {}
    if isinstance(raw, dict) and isinstance(raw.get(SECTION), dict):
        raw = raw[SECTION]
    if not isinstance(raw, dict):
        warn(f"pt-lsp settings must be an object, got {type(raw).__name__}; ignored")
        return {}
    parsers: dict[str, tuple[str, Callable[[Any], Any]]] = {
        "select": ("select", lambda v: _codes(v, "select", warn)),
        "ignore": ("ignore", lambda v: _codes(v, "ignore", warn)),
        "severity": ("severity", lambda v: _severity(v, warn)),
        "fixAll": ("fix_all", lambda v: _bool(v, "fixAll", warn)),
        "unsafeFixes": ("unsafe_fixes", lambda v: _bool(v, "unsafeFixes", warn)),
        "debounce": ("debounce_ms", lambda v: _debounce(v, warn)),
        "lintInThread": ("lint_in_thread", lambda v: _bool(v, "lintInThread", warn)),
        "extendSelect": ("extend_select", lambda v: _codes(v, "extendSelect", warn)),
        "exclude": ("exclude", lambda v: _globs(v, warn)),
        "configuration": ("configuration", lambda v: _configuration(v, warn)),
        "runtimeFindings": ("runtime_findings", lambda v: _bool(v, "runtimeFindings", warn)),
        "timeBudget": ("time_budget", lambda v: _time_budget(v, warn)),
    }
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in parsers:
            continue  # unknown keys belong to newer clients or other tools
        name, parse = parsers[key]
        parsed = parse(value)
        if parsed is not None:
            values[name] = parsed
    return values
