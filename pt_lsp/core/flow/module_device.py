"""Where ``model.device`` is, and namespaces that keep the attributes they are built with.

torch's ``nn.Module`` has no ``device`` attribute; the classes that give one (a Hugging Face or
Lightning model, a project's ``@property def device(self): return next(self.parameters()).device``)
answer with their parameters' device. Read only for a module moved to CUDA (or maybe): a module
left where it was built may have been placed by its loader (``device_map=``), so no CPU is claimed.
"""

from __future__ import annotations

import ast

from ..classes import ClassInfo
from .values import Value

NAMESPACES = frozenset({"types.SimpleNamespace", "argparse.Namespace"})  # attributes as built: `opt.device`


def parameters_device(module: Value) -> bool:
    """``module.device`` is its parameters' device: a class out of view that is no torch layer
    (torch's modules have no ``device``), or a class whose ``device`` property reads them."""
    if module.cls is None:
        return not (module.qualname or "").startswith("torch.")
    if not isinstance(module.cls, ClassInfo):
        return False
    prop = module.cls.method("device")
    if prop is None or not any(isinstance(d, ast.Name) and d.id == "property" for d in prop.decorator_list):
        return False
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("parameters", "buffers")
        for n in ast.walk(prop)
    )
