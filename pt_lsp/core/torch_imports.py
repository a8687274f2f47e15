"""Whether a file uses torch at all, from its imports: what a rule may take for torch's API where
nothing else tells (a NumPy framework of its own also has ``backward()``, ``.grad`` and ``.data``)."""

from __future__ import annotations

import ast

from .context import FileContext, PerFile


@PerFile
def imports_torch(ctx: FileContext) -> bool:
    """The file imports torch or a module of it (once per file)."""
    for node in ctx.index.of(ast.Import):
        if any(alias.name.split(".")[0] == "torch" for alias in node.names):
            return True
    return any(
        node.level == 0 and (node.module or "").split(".")[0] == "torch" for node in ctx.index.of(ast.ImportFrom)
    )


@PerFile
def own_tensor_class(ctx: FileContext) -> bool:
    """The file works with a ``Tensor`` class of its own and never imports torch: it defines
    one, or imports one from another module (a course's NumPy autograd, ``from mytorch.tensor
    import Tensor``); once per file."""
    if imports_torch(ctx):
        return False
    if any(node.name == "Tensor" for node in ctx.index.of(ast.ClassDef)):
        return True
    return any(
        any(alias.name == "Tensor" for alias in node.names) and (node.level or node.module)
        for node in ctx.index.of(ast.ImportFrom)
    )
