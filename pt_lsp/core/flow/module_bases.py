"""Module classes through other files of the project.

``class Net(BaseModel)`` with ``from models.base import BaseModel``, where ``BaseModel`` derives
from ``nn.Module`` in ``models/base.py``, is an ``nn.Module`` subclass: the module rules and the
flow engine read it as they read ``Net(nn.Module)``. ``classes.py`` decides from one file; this
follows the imported base names through the project's files (``Project.imported_name``)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..classes import ClassInfo, propagate_modules

if TYPE_CHECKING:
    from .project import Project
    from .units import Unit

MAX_FILES = 4  # files of bases followed from one class (a base's base in a third file, ...)


def mark_project_modules(project: Project, infos: list[ClassInfo], unit: Unit) -> None:
    """Mark the classes of ``unit`` (``infos``) whose base is a module class of another file, and
    then their subclasses in ``unit``."""
    seen: set[int] = set()
    for info in infos:
        if not info.is_module and any(_module_base(project, base, unit, 0, seen) for base in info.node.bases):
            info.is_module = True
    propagate_modules(infos)


def _module_base(project: Project, base: ast.expr, unit: Unit, depth: int, seen: set[int]) -> bool:
    """``base``, a base class expression of a class of ``unit``, names an ``nn.Module`` class of
    another project file (through at most MAX_FILES files of bases)."""
    entity = project.imported_name(base, unit)
    if not isinstance(entity, ast.ClassDef) or id(entity) in seen or depth >= MAX_FILES:
        return False
    seen.add(id(entity))
    info, owner = project.class_by_id.get(id(entity)), project.origin(entity)
    if info is None or owner is None:
        return False
    pending = [info]
    while pending:  # the class, its local bases, and their bases imported from further files
        current = pending.pop()
        if current.is_module:
            return True
        if any(_module_base(project, b, owner, depth + 1, seen) for b in current.node.bases):
            return True
        pending.extend(current.local_bases)
    return False
