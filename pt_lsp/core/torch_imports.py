"""Whether a file uses torch at all, from its imports: what a rule may take for torch's API where
nothing else tells (a NumPy framework of its own also has ``backward()``, ``.grad`` and ``.data``)."""

from __future__ import annotations

import ast
import os
import re

from .context import FileContext, PerFile
from .flow.project_files import found_on_disk


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
    one, imports one from another module (a course's NumPy autograd, ``from mytorch.tensor
    import Tensor``), or imports from a project package that defines one (``from
    mytorch.optim.optimizer import Optimizer``); once per file."""
    if imports_torch(ctx):
        return False
    if any(node.name == "Tensor" for node in ctx.index.of(ast.ClassDef)):
        return True
    if any(
        any(alias.name == "Tensor" for alias in node.names) and (node.level or node.module)
        for node in ctx.index.of(ast.ImportFrom)
    ):
        return True
    return any(_defines_tensor(folder) for folder in _project_packages(ctx))


def _project_packages(ctx: FileContext) -> set[str]:
    """The folders of the project's packages the file imports from by absolute name
    (``from mytorch.optim.optimizer import Optimizer`` in a course's ``mytorch/optim/sgd.py``)."""
    project = ctx.project
    if not project.enabled:
        return set()
    tops = {alias.name.split(".")[0] for node in ctx.index.of(ast.Import) for alias in node.names}
    tops |= {(node.module or "").split(".")[0] for node in ctx.index.of(ast.ImportFrom) if node.level == 0}
    folders = set()
    for top in tops - {"", "numpy", "torch"}:
        module = project.find_top(top, project.path)
        if module is not None and module.folder is not None:
            folders.add(module.folder)
    return folders


_TENSOR_CLASS = re.compile(rb"^class Tensor\b", re.MULTILINE)
MAX_PACKAGE_FILES = 200  # files of one package read for its Tensor class; a bigger one is not a course's


def _defines_tensor(folder: str) -> bool:
    """Whether a module of the package at ``folder`` defines ``class Tensor`` (a NumPy autograd
    framework of the course's own: its ``.data`` and ``.grad`` are arrays; audit-18 G10); kept
    while the batch's files stay unchanged (project_files.found_on_disk)."""
    found = found_on_disk()
    key = ("tensor-class", folder, "")
    if found is not None and key in found:
        return bool(found[key])
    answer = _scan_for_tensor(folder)
    if found is not None:
        found[key] = answer
    return answer


def _scan_for_tensor(folder: str) -> bool:
    seen = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.endswith(".py"):
                continue
            seen += 1
            if seen > MAX_PACKAGE_FILES:
                return False
            if _file_defines_tensor(os.path.join(root, name)):
                return True
    return False


# path -> (mtime, size, whether it defines `class Tensor`): outside a batch (the server, at each
# change of a document) a package's unchanged files cost a stat each, not a read
_TENSOR_FILES: dict[str, tuple[int, int, bool]] = {}


def _file_defines_tensor(path: str) -> bool:
    try:
        stat = os.stat(path)
        known = _TENSOR_FILES.get(path)
        if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        with open(path, "rb") as file:
            answer = _TENSOR_CLASS.search(file.read()) is not None
    except OSError:
        return False
    _TENSOR_FILES[path] = (stat.st_mtime_ns, stat.st_size, answer)
    return answer
