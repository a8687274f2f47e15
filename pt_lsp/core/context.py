"""Everything a rule may ask about one file, computed once and shared by all rules."""
from __future__ import annotations

import ast
from functools import cached_property

from .classes import ClassInfo, find_classes
from .document import Document
from .names import Names


class FileContext:
    def __init__(self, path: str, doc: Document, tree: ast.Module) -> None:
        self.path = path
        self.doc = doc
        self.tree = tree

    @cached_property
    def names(self) -> Names:
        return Names(self.tree)

    @cached_property
    def classes(self) -> dict[str, ClassInfo]:
        return find_classes(self.tree, self.names)

    @cached_property
    def parents(self) -> dict[int, ast.AST]:
        """id(child) -> parent node, for rules that look upwards."""
        parents: dict[int, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
        return parents

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(id(node))

    @cached_property
    def flow(self):
        """Flow facts (devices, graphs, backward events) for every function and the module."""
        from .flow.interpreter import analyse

        return analyse(self)

    def qualname(self, expr: ast.AST) -> str | None:
        return self.names.qualname(expr)

    def enclosing_class(self, node: ast.AST) -> ast.ClassDef | None:
        current = self.parent(node)
        while current is not None and not isinstance(current, ast.ClassDef):
            current = self.parent(current)
        return current
