"""The rule base class and the registry.

A rule is one small class: its documentation (the class docstring, in Ruff's sections), its
examples, and ``check``. Defining a subclass with a ``code`` registers it; there is no second
list to keep in sync.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from .findings import Finding, Fix, Related, Severity

if TYPE_CHECKING:
    from .context import FileContext
    from .examples import Example

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "References")
# The code of the syntax-error rule (pt_lsp/rules/syntax): the one finding of a file that does not parse.
SYNTAX_ERROR = "PTL000"
DOCS_URL = "https://github.com/pt-lsp/pt-lsp/blob/main/docs/rules.md#{code}"

_REGISTRY: dict[str, type[Rule]] = {}
# Rule modules that failed to import: reported by the engine as an internal error of every
# file (exit code 2) instead of taking every other rule down with them.
IMPORT_ERRORS: dict[str, str] = {}


class _Examples:
    """``Rule.examples``: the rule's examples, the ``EXAMPLES`` of the module beside it
    (``<family>/examples/<rule module>.py``), imported when first asked for (verify, the docs,
    `pt-lsp rule`): linting never reads them, so a check's start-up does not import them. A rule
    elsewhere (a plugin, a test) without such a module has none, unless it sets ``examples``."""

    def __init__(self) -> None:
        self._loaded: dict[type, tuple[Example, ...]] = {}

    def __get__(self, obj: object, owner: type) -> tuple[Example, ...]:
        found = self._loaded.get(owner)
        if found is None:
            package, _, leaf = owner.__module__.rpartition(".")
            try:
                module = importlib.import_module(f"{package}.examples.{leaf}") if package else None
            except ModuleNotFoundError as error:
                if error.name is None or not f"{package}.examples.{leaf}".startswith(error.name):
                    raise  # the examples module exists but imports something missing: a real error
                module = None
            found = self._loaded[owner] = tuple(getattr(module, "EXAMPLES", ()))
        return found


class Rule:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""  # one line for `pt-lsp rule --all` and the README
    severity: ClassVar[Severity] = Severity.ERROR
    if TYPE_CHECKING:
        examples: ClassVar[tuple[Example, ...]]
    else:
        examples = _Examples()
    suppressible: ClassVar[bool] = True  # whether a noqa comment (and the editor's action) applies
    # The server may reuse its findings inside a function whose connected functions did not change
    # (core/incremental.py): true only where a finding in a function depends on nothing but the
    # functions connected to it, the module outside function bodies, and the text.
    per_unit: ClassVar[bool] = False

    def __init_subclass__(cls, register: bool = True, **kwargs: Any) -> None:
        """``class R(Rule, register=False)`` defines a rule without registering it (tests)."""
        super().__init_subclass__(**kwargs)
        if cls.code and register:
            if cls.code in _REGISTRY and _REGISTRY[cls.code] is not cls:
                raise ValueError(f"duplicate rule code {cls.code}")
            _REGISTRY[cls.code] = cls

    # -- what subclasses implement ------------------------------------------------------------
    def check(self, ctx: FileContext) -> Iterable[Finding]:
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------------------------
    def report(
        self,
        ctx: FileContext,
        node: ast.AST,
        message: str,
        fixes: Iterable[Fix] = (),
        related: Iterable[Related] = (),
        severity: Severity | None = None,
    ) -> Finding:
        return Finding(
            code=self.code,
            name=self.name,
            message=message,
            span=ctx.doc.node_span(node),
            severity=severity or self.severity,
            fixes=tuple(fixes),
            related=tuple(related),
        )

    @classmethod
    def documentation(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def has_fix(cls) -> bool:
        """Derived from the examples: a rule has a fix when an example states its fixed source."""
        return any(example.fixed is not None for example in cls.examples)

    @classmethod
    def example_path(cls) -> tuple[str, list[str]] | None:
        """The evidence path of the first bad example whose finding carries one: the example's
        title and one line per step, ending at the finding (for `pt-lsp rule` and the docs)."""
        from .engine import lint_source  # the engine imports this module
        from .selection import Selection

        for example in cls.examples:
            if not example.is_bad_for(cls.code):
                continue
            result = lint_source(example.code, f"<{cls.code} example>", selection=Selection.of([cls.code]))
            for finding in result.findings:
                if finding.code == cls.code and finding.related:
                    steps = [f"line {r.span.start.line}: {r.message}" for r in finding.related]
                    steps.append(f"line {finding.line}: {finding.message}")
                    return example.title, steps
        return None

    @classmethod
    def url(cls) -> str:
        return DOCS_URL.format(code=cls.code.lower())


def all_rules() -> dict[str, type[Rule]]:
    """Every registered rule by code, importing each module of ``pt_lsp.rules`` once."""
    global _SCANNED
    if not _SCANNED:  # listing the package costs more than linting a small file: once
        _import_rule_modules()
        _SCANNED = True
    return dict(sorted(_REGISTRY.items()))


_SCANNED = False


def _import_rule_modules() -> None:
    """Import every rule module: ``pt_lsp/rules/<family>/<rule_name>.py``. Private helpers
    (``_*.py``) and ``examples`` packages are imported by the rules that use them."""
    import pt_lsp.rules as package

    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        leaf = info.name.rsplit(".", 1)[-1]
        if info.ispkg or leaf.startswith("_") or ".examples." in info.name or info.name in IMPORT_ERRORS:
            continue
        try:
            importlib.import_module(info.name)
        except Exception as error:  # a broken rule module must not disable the others
            IMPORT_ERRORS[info.name] = f"{type(error).__name__}: {error}"
