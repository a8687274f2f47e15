"""PTL501: a TensorBoard ``SummaryWriter`` of torch still open at exit with events it never
flushed. tensorboardX's writers are left alone, as the static rule leaves them: tensorboardX
(since 2.1) closes each of them at exit.

The writer's module is imported only if the program imports it: a finder on ``sys.meta_path``
patches the writer when its module is loaded (or at once if it already is).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

from ..frames import Where
from .base import Check

_MODULES = ("torch.utils.tensorboard.writer",)


class _State:
    __slots__ = ("closed", "pending", "where")

    def __init__(self, where: Where | None) -> None:
        self.where = where
        self.closed = False
        self.pending = False  # events added since the last flush


class WriterCheck(Check):
    codes = ("PTL501",)

    def install(self) -> None:
        self._writers: list[_State] = []
        for name in _MODULES:
            if name in sys.modules:
                self._patch(sys.modules[name])
        self._finder = _PatchOnLoad(self)
        sys.meta_path.insert(0, self._finder)

    def remove(self) -> None:
        finder = getattr(self, "_finder", None)
        if finder is not None and finder in sys.meta_path:
            sys.meta_path.remove(finder)
        super().remove()

    def _patch(self, module: ModuleType) -> None:
        writer_class = module.SummaryWriter
        init, flush, close = writer_class.__init__, writer_class.flush, writer_class.close
        check = self

        def recording_init(self: Any, *args: Any, **kwargs: Any) -> None:
            state = _State(check.rec.caller())
            check._writers.append(state)
            init(self, *args, **kwargs)
            self._pt_lsp = state

        def recording_flush(self: Any) -> Any:
            state = getattr(self, "_pt_lsp", None)
            if state is not None:
                state.pending = False
            return flush(self)

        def recording_close(self: Any) -> Any:
            state = getattr(self, "_pt_lsp", None)
            if state is not None:
                state.closed, state.pending = True, False
            return close(self)

        self.patch(writer_class, "__init__", recording_init)
        self.patch(writer_class, "flush", recording_flush)
        self.patch(writer_class, "close", recording_close)
        # Every add_* method queues events (add_scalars through writers of its own).
        for name in sorted(vars(writer_class)):
            if name.startswith("add_") and callable(getattr(writer_class, name)):
                self.patch(writer_class, name, _pending_after(getattr(writer_class, name)))

    def finish(self) -> None:
        for state in self._writers:
            if not state.closed and state.pending:
                self.rec.report(
                    "PTL501",
                    state.where,
                    "SummaryWriter still open at exit with events it never flushed: those still queued may be lost "
                    "(use `with SummaryWriter(...) as writer:` or call `writer.close()`)",
                )


def _pending_after(add: Any) -> Any:
    def recording_add(self: Any, *args: Any, **kwargs: Any) -> Any:
        state = getattr(self, "_pt_lsp", None)
        if state is not None:
            state.pending = True
        return add(self, *args, **kwargs)

    return recording_add


class _PatchOnLoad(importlib.abc.MetaPathFinder):
    def __init__(self, check: WriterCheck) -> None:
        self.check = check

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in _MODULES or name in sys.modules:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        loader, check = spec.loader, self.check
        exec_module = loader.exec_module

        def patched_exec(module: ModuleType) -> None:
            exec_module(module)
            check._patch(module)

        spec.loader = _Loader(loader, patched_exec)
        return spec


class _Loader(importlib.abc.Loader):
    def __init__(self, inner: Any, exec_module: Any) -> None:
        self.inner = inner
        self._exec = exec_module

    def create_module(self, spec: Any) -> Any:
        return self.inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._exec(module)
