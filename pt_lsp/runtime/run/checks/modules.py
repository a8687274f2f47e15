"""PTL301, PTL302 and PTL304: an audit of every module at its first call, and after ``.to()``.

``Module.__setattr__`` remembers where each tensor, list, tuple or dict attribute was assigned
(the line the static rules report); ``Module.__call__`` audits a module's attributes at its first
call: a tensor that requires grad but is no ``Parameter``, or modules and parameters in a plain
container (PTL301), and a plain tensor that the forward pass reads (PTL302, seen by a
``TorchFunctionMode`` active during that first call only). ``Module._apply`` (``.to()``,
``.cuda()``, ``.double()``) reports plain tensors it leaves behind. PTL304: a layer made while a
forward runs and never stored on the module, one stored over a trained layer (rebuilt at every
call), a first one stored after an optimizer took the module's parameters (``Optimizer.__init__``
is recorded for this), and a dropout layer made while a module in eval mode runs (a new module is
in training mode).
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Iterator
from types import FrameType
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ..frames import Where
from .base import Check

_CONTAINERS = (list, tuple, dict)
# layers without parameters whose behaviour train()/eval() switch
_MODE_LAYERS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout, nn.RReLU)


class _Reads(TorchFunctionMode):
    """Notes which of ``watched`` (tensor ids) a torch function receives."""

    def __init__(self, watched: dict[int, str]) -> None:
        super().__init__()
        self.watched = watched
        self.read: set[str] = set()

    def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        for value in args:
            name = self.watched.get(id(value))
            if name is not None:
                self.read.add(name)
        if kwargs:
            for value in kwargs.values():
                name = self.watched.get(id(value))
                if name is not None:
                    self.read.add(name)
        return func(*args, **(kwargs or {}))


class ModuleAuditCheck(Check):
    codes = ("PTL301", "PTL302", "PTL304")

    def install(self) -> None:
        self._assigned: weakref.WeakKeyDictionary[nn.Module, dict[str, Where]] = weakref.WeakKeyDictionary()
        self._audited: weakref.WeakSet[nn.Module] = weakref.WeakSet()
        self._internal = frozenset(vars(nn.Module()))
        self._created: weakref.WeakKeyDictionary[nn.Module, tuple[weakref.ref, Where]] = weakref.WeakKeyDictionary()
        self._layer_lines: set[tuple[str, int]] = set()
        setattr_, call, apply = nn.Module.__setattr__, nn.Module.__call__, nn.Module._apply
        init = nn.Module.__init__
        optimizer_init = torch.optim.Optimizer.__init__
        self._optimizers: weakref.WeakSet[torch.optim.Optimizer] = weakref.WeakSet()
        check = self

        def recording_init(self: nn.Module, *args: Any, **kwargs: Any) -> None:
            init(self, *args, **kwargs)
            owner = _forward_owner(self)
            if owner is not None:  # a layer made while a forward runs (PTL304, judged at its first call)
                where = check.rec.caller()
                if where is not None and (where.filename, where.line) not in check._layer_lines:
                    check._created[self] = (weakref.ref(owner), where)

        def recording_setattr(self: nn.Module, name: str, value: Any) -> None:
            if isinstance(value, (torch.Tensor, *_CONTAINERS)) and self not in check._audited:
                where = check.rec.caller()
                if where is not None:
                    try:
                        check._assigned.setdefault(self, {})[name] = where
                    except TypeError:  # a module that cannot be weakly referenced
                        pass
            elif isinstance(value, nn.Module) and _forward_running(self):
                check._layer_stored_in_forward(self, name, value, check.rec.caller())
            setattr_(self, name, value)

        def recording_optimizer_init(self: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> None:
            optimizer_init(self, *args, **kwargs)
            check._optimizers.add(self)

        def auditing_call(self: nn.Module, *args: Any, **kwargs: Any) -> Any:
            if check._created:
                made = check._created.pop(self, None)
                if made is not None:
                    check._layer_in_forward(self, *made)
            if self in check._audited or not check.rec.user.defined_by_user(type(self)):
                return call(self, *args, **kwargs)
            return check._first_call(call, self, args, kwargs)

        def checked_apply(self: nn.Module, fn: Any, *args: Any, **kwargs: Any) -> Any:
            outermost = not check._applying
            check._applying = True
            try:
                result = apply(self, fn, *args, **kwargs)
            finally:
                if outermost:
                    check._applying = False
            if outermost:
                check._left_behind(self)
            return result

        self._applying = False
        self.patch(nn.Module, "__setattr__", recording_setattr)
        self.patch(nn.Module, "__call__", auditing_call)
        self.patch(nn.Module, "_apply", checked_apply)
        self.patch(nn.Module, "__init__", recording_init)
        self.patch(torch.optim.Optimizer, "__init__", recording_optimizer_init)

    def _layer_stored_in_forward(self, owner: nn.Module, name: str, layer: nn.Module, where: Where | None) -> None:
        """PTL304 for a layer with parameters stored on ``owner`` while its forward runs: one that
        replaces a trained layer (rebuilt at every call), or a first one that an optimizer made
        earlier from ``owner``'s parameters never sees."""
        if where is None or next(layer.parameters(), None) is None:
            return
        previous = owner._modules.get(name)
        if previous is not None and previous is not layer and next(previous.parameters(), None) is not None:
            self.rec.report(
                "PTL304",
                where,
                f"`self.{name}` is rebuilt while `{type(owner).__name__}.forward` runs: the layer it replaces and "
                "its trained weights are thrown away at every call (build it once, in `__init__` or under a guard)",
            )
            return
        if previous is not None:
            return
        new = {id(p) for p in layer.parameters()}
        own = {id(p) for p in owner.parameters()}
        for optimizer in list(self._optimizers):
            held = {id(p) for group in optimizer.param_groups for p in group["params"]}
            if held & own and not held & new:
                self.rec.report(
                    "PTL304",
                    where,
                    f"`self.{name}` is made while `{type(owner).__name__}.forward` runs, after an optimizer took the "
                    "module's parameters: that optimizer never updates it (run one forward before making the "
                    "optimizer, or build the layer in `__init__`)",
                )
                return

    def _layer_in_forward(self, layer: nn.Module, owner_ref: weakref.ref, where: Where) -> None:
        """PTL304: a layer with parameters, made while ``owner``'s forward ran, called without being
        registered on it: new random weights at every call, never trained."""
        owner = owner_ref()
        if owner is None:
            return
        if next(layer.parameters(), None) is None:
            if isinstance(layer, _MODE_LAYERS) and layer.training and not owner.training:
                self.rec.report(
                    "PTL304",
                    where,
                    f"`{type(layer).__name__}` made while `{type(owner).__name__}.forward` runs in eval mode: a new"
                    " module is in training mode, so it stays active at inference (build it in `__init__`, or use"
                    " the functional form with `training=self.training`)",
                )
            return
        if any(module is layer for module in owner.modules()):
            return  # stored on the module (made once, lazily): registered and trained
        self._layer_lines.add((where.filename, where.line))
        self.rec.report(
            "PTL304",
            where,
            f"`{type(layer).__name__}` made while `{type(owner).__name__}.forward` runs and not registered: new "
            "random weights at every call, never trained and missing from `parameters()` (build it in `__init__`)",
        )

    def _plain_tensors(self, module: nn.Module) -> dict[str, torch.Tensor]:
        return {
            name: value
            for name, value in vars(module).items()
            if name not in self._internal and type(value) is torch.Tensor  # not a Parameter, nor a subclass
        }

    def _first_call(self, call: Any, module: nn.Module, args: tuple, kwargs: dict) -> Any:
        try:
            self._audited.add(module)
        except TypeError:
            return call(module, *args, **kwargs)
        called_at = self.rec.caller()
        assigned = self._assigned.get(module, {})
        watched = self._audit(module, assigned, called_at)
        if not watched:
            return call(module, *args, **kwargs)
        mode = _Reads(watched)
        try:
            with mode:
                return call(module, *args, **kwargs)
        finally:  # also when the forward raises: a plain tensor on the wrong device is why it may
            self._report_reads(module, mode, watched, assigned, called_at)

    def _report_reads(
        self,
        module: nn.Module,
        mode: _Reads,
        watched: dict[int, str],
        assigned: dict[str, Where],
        called_at: Where | None,
    ) -> None:
        for name in sorted(mode.read):
            value = vars(module).get(name)
            if value is not None and id(value) in watched:  # still the same tensor: a constant, not a state
                self.rec.report(
                    "PTL302",
                    assigned[name],
                    f"`self.{name}` is a plain tensor that forward reads: `.to()` leaves it behind and "
                    "`state_dict()` misses it (use `self.register_buffer`)",
                    related=() if called_at is None else (called_at.related("read by this first call"),),
                )

    def _audit(self, module: nn.Module, assigned: dict[str, Where], called_at: Where | None) -> dict[int, str]:
        """PTL301 on ``module``'s attributes; gives back the plain tensors to watch for PTL302."""
        watched: dict[int, str] = {}
        for name, value in list(vars(module).items()):
            if name in self._internal:
                continue
            if type(value) is torch.Tensor and value.requires_grad and value.is_leaf:
                self._report_301(
                    module, name, assigned, called_at, "a tensor that requires grad but is no `nn.Parameter`"
                )
            elif isinstance(value, _CONTAINERS) and _holds_trainable(value):
                kind = "dict" if isinstance(value, dict) else type(value).__name__
                self._report_301(module, name, assigned, called_at, f"modules or parameters in a plain {kind}")
            elif type(value) is torch.Tensor and value.dim() > 0 and name in assigned:
                watched[id(value)] = name
        return watched

    def finish(self) -> None:
        """Modules never called: their attributes are audited at exit (PTL301 only: PTL302 is about
        what forward reads)."""
        for module, assigned in list(self._assigned.items()):
            if module not in self._audited and self.rec.user.defined_by_user(type(module)):
                self._audited.add(module)
                self._audit(module, assigned, None)

    def _report_301(
        self, module: nn.Module, name: str, assigned: dict[str, Where], called_at: Where | None, what: str
    ) -> None:
        where = assigned.get(name, called_at)
        related = (
            () if called_at is None or where is called_at else (called_at.related("not trained: first call here"),)
        )
        self.rec.report(
            "PTL301",
            where,
            f"`self.{name}` of {type(module).__name__} holds {what}: `parameters()` misses it, so the "
            "optimizer never trains it and `.to()` / `state_dict()` skip it",
            related=related,
        )

    def _left_behind(self, root: nn.Module) -> None:
        where = self.rec.caller()
        for module in root.modules():
            if not self.rec.user.defined_by_user(type(module)):
                continue
            # `is None`, never `or`: the truth of a tensor of several values raises.
            reference: torch.Tensor | None = next(iter(module.parameters(recurse=False)), None)
            if reference is None:
                reference = next(iter(module.buffers(False)), None)
            if reference is None:
                reference = next(root.parameters(), None)
            if reference is None:
                continue
            assigned = self._assigned.get(module, {})
            for name, value in self._plain_tensors(module).items():
                moved = value.device != reference.device or (
                    value.is_floating_point() and reference.is_floating_point() and value.dtype != reference.dtype
                )
                if moved and value.dim() > 0 and name in assigned:
                    self.rec.report(
                        "PTL302",
                        assigned[name],
                        f"`self.{name}` is a plain tensor: `.to()` left it on {value.device} ({value.dtype}) while "
                        f"the module is on {reference.device} ({reference.dtype}) (use `self.register_buffer`)",
                        related=() if where is None else (where.related("the module moved here"),),
                    )


def _forwards_running() -> Iterator[object]:
    """The ``self`` of every frame named ``forward`` up the stack, nearest first (a module's forward,
    or a method it calls, is running)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "forward":
            yield frame.f_locals.get("self")
        frame = frame.f_back


def _forward_running(module: nn.Module) -> bool:
    """``module``'s own ``forward`` is on the stack."""
    return any(owner is module for owner in _forwards_running())


def _forward_owner(made: nn.Module) -> nn.Module | None:
    """The module whose ``forward`` is running: the nearest such ``self`` other than ``made``."""
    return next((o for o in _forwards_running() if isinstance(o, nn.Module) and o is not made), None)


def _holds_trainable(container: Any) -> bool:
    values = container.values() if isinstance(container, dict) else container
    return any(isinstance(v, (nn.Module, nn.Parameter)) for v in values)
