"""What a rule reports: findings, their fixes and the edits that make up a fix."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .document import Pos, Span


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"


class Applicability(str, enum.Enum):
    """Ruff's fix applicability: whether a fix may be applied without a human looking."""

    SAFE = "safe"  # meaning kept
    UNSAFE = "unsafe"  # meaning may change: only with --unsafe-fixes
    DISPLAY_ONLY = "display-only"  # shown, never applied automatically


@dataclass(frozen=True, order=True)
class Edit:
    """Replace the text in ``span`` with ``content`` (an empty span inserts)."""

    span: Span
    content: str

    @classmethod
    def insert(cls, at: Pos, content: str) -> Edit:
        return cls(Span(at, at), content)

    @classmethod
    def delete(cls, span: Span) -> Edit:
        return cls(span, "")


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.edits))
        for before, after in zip(ordered, ordered[1:]):
            if before.span.end > after.span.start:
                raise ValueError(f"overlapping edits in fix {self.title!r}")
        object.__setattr__(self, "edits", ordered)


@dataclass(frozen=True)
class Related:
    """A second place that matters for a finding (e.g. the earlier backward of PTL201)."""

    span: Span
    message: str
    cell: int | None = None  # in a notebook: the 1-based cell the span is relative to
    path: str | None = None  # a step in another file than the finding's (relative to it, or absolute)


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    message: str
    span: Span
    severity: Severity = Severity.ERROR
    fixes: tuple[Fix, ...] = ()  # alternatives; the first one is the preferred fix
    related: tuple[Related, ...] = ()

    @property
    def fix(self) -> Fix | None:
        """The preferred fix, if any."""
        return self.fixes[0] if self.fixes else None

    @property
    def line(self) -> int:
        return self.span.start.line


@dataclass
class FileResult:
    """Outcome of linting one file: findings plus errors that happened while linting it."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # internal errors (a rule crashed)
    message: str | None = None  # could not be linted at all (unreadable, binary, ...)
    stopped: str | None = None  # the time budget stopped the rules: the findings are partial
