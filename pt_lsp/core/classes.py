"""Which classes of a file are ``nn.Module`` subclasses (also through local base classes)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .names import ModuleImports

if TYPE_CHECKING:
    from .walk import NodeIndex

MODULE_BASES = {
    "torch.nn.Module",
    # nn.Module subclasses of other libraries
    "pytorch_lightning.LightningModule",
    "lightning.LightningModule",
    "lightning.pytorch.LightningModule",
    "pytorch_lightning.core.LightningModule",
    "lightning.pytorch.core.LightningModule",
    "transformers.PreTrainedModel",
    "transformers.modeling_utils.PreTrainedModel",
}


@dataclass
class ClassInfo:
    node: ast.ClassDef
    is_module: bool
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    local_bases: list[ClassInfo] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.node.name

    def method(self, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """``name`` looked up through the local bases (Python's MRO for single inheritance)."""
        if name in self.methods:
            return self.methods[name]
        for base in self.local_bases:
            found = base.method(name)
            if found is not None:
                return found
        return None


def _is_torch_module_base(names: ModuleImports, base: ast.AST) -> bool:
    qual = names.qualname(base)
    if qual is None:
        return False
    # Any class of torch.nn that is itself a module (nn.Sequential, nn.LSTM, ...) counts too.
    return qual in MODULE_BASES or (
        qual.startswith("torch.nn.")
        and qual.split(".")[-1][:1].isupper()
        and not qual.startswith("torch.nn.functional")
        and qual not in {"torch.nn.Parameter"}
    )


def find_classes(class_nodes: list[ast.ClassDef], names: ModuleImports) -> list[ClassInfo]:
    """Every class of the file (nested ones included), in source order. Local base classes
    are resolved by name, the last definition winning as at run time."""
    infos: dict[str, ClassInfo] = {}
    every: list[ClassInfo] = []
    for node in class_nodes:
        info = ClassInfo(
            node, False, {s.name: s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        )
        infos[node.name] = info
        every.append(info)
    for info in every:
        info.local_bases = [
            infos[b.id]
            for b in info.node.bases
            if isinstance(b, ast.Name) and b.id in infos and infos[b.id] is not info and b.id not in names.aliases
        ]
    for info in every:
        info.is_module = any(_is_torch_module_base(names, b) for b in info.node.bases)
    propagate_modules(every)
    return every


def propagate_modules(every: list[ClassInfo]) -> None:
    """Subclasses of module classes are module classes: through local bases, to a fixpoint."""
    changed = True
    while changed:
        changed = False
        for info in every:
            if not info.is_module and any(base.is_module for base in info.local_bases):
                info.is_module = changed = True


_BLOCKS = ("body", "orelse", "handlers", "finalbody", "cases")
_BLOCKS_OF: dict[type, tuple[str, ...]] = {}  # the blocks a statement class has (most have none)


def class_nodes(tree: ast.Module, index: NodeIndex | None = None) -> list[ast.ClassDef]:
    """Every class statement, nested ones included, in source order: a walk over statements
    only, much cheaper than over every expression. With the tree's node index, a file of one
    class or none is answered without the walk (with more, the orders differ: this walk takes a
    statement's later blocks first, an ``else`` before its ``if``'s body)."""
    if index is not None:
        classes = index.of(ast.ClassDef)
        if len(classes) <= 1:
            return list(classes)
    found: list[ast.ClassDef] = []
    stack: list[ast.AST] = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ClassDef):
            found.append(node)
        blocks = _BLOCKS_OF.get(node.__class__)
        if blocks is None:
            fields = getattr(node.__class__, "_fields", ())
            blocks = _BLOCKS_OF[node.__class__] = tuple(b for b in _BLOCKS if b in fields)
        for block in blocks:
            children = getattr(node, block, None)
            if children:
                stack.extend(reversed(children))
    return found
