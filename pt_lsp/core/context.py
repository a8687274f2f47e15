"""Everything a rule may ask about one file, computed once and shared by all rules."""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import cached_property
from time import process_time
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .budget import UNLIMITED, Budget
from .classes import ClassInfo, class_nodes, find_classes
from .document import Document
from .names import ModuleImports, Names
from .walk import NodeIndex

if TYPE_CHECKING:
    from .flow.facts import FlowFacts
    from .flow.project import Project

T = TypeVar("T")


class PerFile(Generic[T]):
    """A value built once per file by ``build(ctx)`` and kept on the context, so it lives exactly
    as long as the context does. Decorate the builder (``@PerFile`` over ``def
    self_calls(ctx: FileContext) -> dict[...]``) and call it as before; a table filled lazily by
    key is ``_USES: PerFile[dict[int, Uses]] = PerFile(lambda ctx: {})``, read as ``_USES(ctx)``."""

    __slots__ = ("build",)

    def __init__(self, build: Callable[[FileContext], T]) -> None:
        self.build = build

    def __call__(self, ctx: FileContext) -> T:
        try:
            value: T = ctx.memos[self]
        except KeyError:
            value = ctx.memos[self] = self.build(ctx)
        return value


class FileContext:
    # --profile: CPU seconds spent building each shared fact (index, names, classes, flow), each
    # without the facts it asked for; facts_seconds: all of them (a rule's own time is the rest).
    timings: dict[str, float] | None = None
    facts_seconds = 0.0

    def __init__(
        self,
        path: str,
        doc: Document,
        tree: ast.Module,
        target_torch: tuple[int, int] | None = None,
        budget: Budget = UNLIMITED,
    ) -> None:
        self.path = path
        self.doc = doc
        self.tree = tree
        self._target_torch = target_torch
        self.budget = budget  # the flow engine checks it per statement
        self._mentions: dict[tuple[str, ...], bool] = {}
        self.memos: dict[PerFile[Any], Any] = {}  # PerFile values: freed with the context

    @cached_property
    def target_torch(self) -> tuple[int, int] | None:
        """The torch version the project targets (``--target-torch``, ``target-torch`` in
        pyproject.toml), else the installed one; None when neither is known."""
        from .vocabulary import installed_torch_version

        return self._target_torch or installed_torch_version()

    def mentions(self, *words: str) -> bool:
        """Whether the text holds any of ``words``: a rule's cheap gate before its analysis,
        scanned once per file for the rules that share it (the same words in the same order)."""
        known = self._mentions.get(words)
        if known is None:
            text = self.doc.text
            known = self._mentions[words] = any(word in text for word in words)
        return known

    def _built(self, phase: str, build: Callable[[], T]) -> T:
        """``build()``, timed under --profile (facts are built when a rule first asks for them)."""
        timings = self.timings
        if timings is None:
            return build()
        outer, self.facts_seconds = self.facts_seconds, 0.0
        started = process_time()
        try:
            return build()
        finally:
            elapsed = process_time() - started
            timings[phase] = timings.get(phase, 0.0) + elapsed - self.facts_seconds
            self.facts_seconds = outer + elapsed

    @cached_property
    def index(self) -> NodeIndex:
        """Nodes by type, from one walk shared by every rule: ``ctx.index.of(ast.Call)``."""
        return self._built("index", lambda: NodeIndex(self.tree))

    @cached_property
    def names(self) -> Names:
        return self._built("names", lambda: Names(self.tree, self.index, self._library_name))

    def _library_name(self, module: str, name: str) -> str | None:
        """What ``from <module> import *`` of a project module binds ``name`` to in a library
        (the project answers from that module alone: it never asks for this file's names)."""
        return self.project.library_name(module, name)

    @cached_property
    def class_list(self) -> list[ClassInfo]:
        return self._built("classes", self._find_classes)

    def _find_classes(self) -> list[ClassInfo]:
        infos = find_classes(class_nodes(self.tree, self.index), ModuleImports(self.tree, self._library_name))
        self.project.mark_modules(infos)  # `class Net(BaseModel)`, BaseModel a module of another file
        return infos

    @cached_property
    def classes(self) -> dict[str, ClassInfo]:
        """Classes by name; where a file defines one name twice, the last definition."""
        return {info.name: info for info in self.class_list}

    @cached_property
    def _classes_by_node(self) -> dict[int, ClassInfo]:
        return {id(info.node): info for info in self.class_list}

    def class_info(self, node: ast.ClassDef) -> ClassInfo | None:
        return self._classes_by_node.get(id(node))

    @property
    def parents(self) -> dict[int, ast.AST]:
        """id(child) -> parent node, for rules that look upwards."""
        return self.index.parents

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.index.parent(node)

    @cached_property
    def flow(self) -> FlowFacts:
        """Flow facts (devices, graphs, backward events) for every function and the module."""
        from .flow.interpreter import analyse

        return self._built("flow", lambda: analyse(self))

    @cached_property
    def project(self) -> Project:
        """The other files of the project that this file imports (read when first followed)."""
        from .flow.project import Project

        return Project(self)

    def qualname(self, expr: ast.AST) -> str | None:
        return self.names.qualname(expr)

    def enclosing_class(self, node: ast.AST) -> ast.ClassDef | None:
        current = self.parent(node)
        while current is not None and not isinstance(current, ast.ClassDef):
            current = self.parent(current)
        return current
