"""What every runtime check shares: patches that are undone, and the recorder."""

from __future__ import annotations

import functools
import types
import warnings
from collections.abc import Callable
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

    def as_user(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ``function`` for the user's code: the warnings it gives point at the user's line,
        as without our wrapper in between (torch warns at its caller's line), under the program's
        filters and the once-per-line registry of the user's module."""
        pending: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    return function(*args, **kwargs)
                finally:
                    pending = list(caught)
        finally:  # after catch_warnings put the program's filters back
            for item in pending:
                self._warn_as_user(item)

    def _warn_as_user(self, item: warnings.WarningMessage) -> None:
        frame = self.rec.user.frame(2)
        if frame is None:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
            return
        registry = frame.f_globals.setdefault("__warningregistry__", {})
        warnings.warn_explicit(item.message, item.category, frame.f_code.co_filename, frame.f_lineno, registry=registry)
