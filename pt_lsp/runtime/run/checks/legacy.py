"""PTL101: ``torch.autograd.Variable`` imported or called, ``volatile=`` passed.

``Variable`` is replaced by a class of the same metaclass (``isinstance(x, Variable)`` still
answers as before) whose call records the finding and returns what ``Variable`` returns; an
import of it is seen by wrapping ``__import__``.
"""

from __future__ import annotations

import builtins
import importlib
from typing import Any

import torch

from .base import Check

_SOURCES = ("torch.autograd", "torch.autograd.variable")


class VariableCheck(Check):
    codes = ("PTL101",)

    def install(self) -> None:
        variable_module = importlib.import_module("torch.autograd.variable")
        original = variable_module.Variable
        check = self

        class Meta(type(original)):  # type: ignore[misc]
            def __call__(cls, *args: Any, **kwargs: Any) -> Any:
                result = check.as_user(original, *args, **kwargs)
                check._called(kwargs)
                return result

        shim = Meta("Variable", (), {"__module__": original.__module__, "__doc__": original.__doc__})
        shim._execution_engine = original._execution_engine  # torch.autograd uses it by this name
        importer = builtins.__import__

        def checked_import(
            name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
        ) -> Any:
            module = importer(name, globals, locals, fromlist, level)
            if level == 0 and fromlist and "Variable" in fromlist and name in _SOURCES:
                check.rec.report(
                    "PTL101",
                    check.rec.caller(direct=True),
                    "`Variable` imported: a no-op wrapper since PyTorch 0.4 (use tensors, `requires_grad=True`)",
                )
            return module

        self.patch(variable_module, "Variable", shim)
        self.patch(torch.autograd, "Variable", shim)
        self.patch(builtins, "__import__", checked_import)

    def _called(self, kwargs: dict[str, Any]) -> None:
        where = self.rec.caller(direct=True)
        if kwargs.get("volatile"):
            self.rec.report(
                "PTL101",
                where,
                "`Variable(..., volatile=True)`: `volatile` has no effect since PyTorch 0.4 and the graph is still "
                "recorded (use `with torch.no_grad():`)",
                replace=True,
            )
        else:
            self.rec.report(
                "PTL101",
                where,
                "`Variable(...)` returns the tensor itself since PyTorch 0.4 (use the tensor; "
                "`requires_grad=True` where it must be trained)",
                replace=True,
            )
