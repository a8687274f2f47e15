"""What every runtime check shares: patches that are undone, and the recorder."""

from __future__ import annotations

import functools
import types
from typing import Any, ClassVar

from ..recorder import Recorder

_MISSING = object()


class Check:
    """One runtime check. ``codes``: the rules it reports; ``opt_in``: installed only when one of
    its codes is named exactly in ``--select`` (it costs more, or changes what the program sees)."""

    codes: ClassVar[tuple[str, ...]] = ()
    opt_in: ClassVar[bool] = False

    def __init__(self, recorder: Recorder) -> None:
        self.rec = recorder
        self._undo: list[tuple[object, str, object]] = []
        self._handles: list[Any] = []

    def install(self) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Called once after the program ran, before the report (checks of the state at exit)."""

    def remove(self) -> None:
        for handle in reversed(self._handles):
            handle.remove()
        for owner, name, old in reversed(self._undo):
            if old is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, old)
        self._undo.clear()
        self._handles.clear()

    def patch(self, owner: object, name: str, value: object) -> None:
        """Set ``owner.name`` to ``value`` until ``remove``. A function replacing a callable takes
        its name and signature (``functools.update_wrapper``): a ``TorchFunctionMode`` dispatches
        on ``func.__name__`` (fake-cuda's does), and ``inspect.signature`` stays right."""
        previous = getattr(owner, name, None)
        if isinstance(value, types.FunctionType) and callable(previous):
            functools.update_wrapper(value, previous)
        self._undo.append((owner, name, vars(owner).get(name, _MISSING) if hasattr(owner, "__dict__") else _MISSING))
        setattr(owner, name, value)

    def hook(self, handle: Any) -> None:
        self._handles.append(handle)
