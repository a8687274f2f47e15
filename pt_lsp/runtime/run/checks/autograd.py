"""PTL201, PTL202 (backward calls) and PTL204 (gradients accumulated across optimizer steps or
across updates written by hand)."""

from __future__ import annotations

import sys
import types
import weakref
from collections.abc import Callable
from typing import Any

import torch

from ..frames import Where
from .base import Check

_MARK = "pt_lsp.run"  # the key of our mark in a graph node's metadata


class _Mark:
    """Left on each node of a graph a backward went through: where, and whether it freed it."""

    __slots__ = ("freed", "where")

    def __init__(self, where: Where, freed: bool) -> None:
        self.where = where
        self.freed = freed


def _tensors(value: Any) -> tuple[torch.Tensor, ...]:
    if isinstance(value, torch.Tensor):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(v for v in value if isinstance(v, torch.Tensor))
    return ()


def _arg(args: tuple, kwargs: dict, index: int, name: str, default: Any = None) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


class BackwardCheck(Check):
    """Wraps ``torch.autograd.backward`` (which ``Tensor.backward`` calls) and ``torch.autograd.grad``.

    After a backward, each node of its graph is marked in ``Node.metadata`` with the call's line
    and whether it freed the graph; a later "backward through the graph a second time" (or, after
    ``retain_graph=True``, "modified by an inplace operation") names the backward that freed (or
    kept) the graph. Marking stops at nodes already freed, so each node is marked about once.
    """

    codes = ("PTL201", "PTL202")

    def install(self) -> None:
        self._depth = 0
        self._leaf_types: dict[type, bool] = {}
        backward, grad = torch.autograd.backward, torch.autograd.grad

        def checked_backward(*args: Any, **kwargs: Any) -> Any:
            roots = _tensors(_arg(args, kwargs, 0, "tensors"))
            gradients = _arg(args, kwargs, 1, "grad_tensors")
            create = bool(_arg(args, kwargs, 3, "create_graph", False))
            retain = _arg(args, kwargs, 2, "retain_graph")
            return self._run(backward, args, kwargs, roots, gradients, create if retain is None else bool(retain))

        def checked_grad(*args: Any, **kwargs: Any) -> Any:
            roots = _tensors(_arg(args, kwargs, 0, "outputs"))
            gradients = _arg(args, kwargs, 2, "grad_outputs")
            create = bool(_arg(args, kwargs, 4, "create_graph", False))
            retain = _arg(args, kwargs, 3, "retain_graph")
            return self._run(grad, args, kwargs, roots, gradients, create if retain is None else bool(retain))

        self.patch(torch.autograd, "backward", checked_backward)
        self.patch(torch.autograd, "grad", checked_grad)

    def _run(
        self,
        original: Callable[..., Any],
        args: tuple,
        kwargs: dict,
        roots: tuple[torch.Tensor, ...],
        gradients: Any,
        retain: bool,
    ) -> Any:
        if self._depth:  # a backward inside a backward (a hook, checkpointing): torch's business
            return original(*args, **kwargs)
        where = self.rec.caller()
        if gradients is None and where is not None:
            self._implicit_gradient(roots, where)
        self._depth += 1
        try:
            result = self.as_user(original, *args, **kwargs)
        except RuntimeError as error:
            if where is not None:
                self._explain(str(error), roots, where)
            raise
        finally:
            self._depth -= 1
        if where is not None:
            self._mark(roots, _Mark(where, freed=not retain))
        return result

    def _implicit_gradient(self, roots: tuple[torch.Tensor, ...], where: Where) -> None:
        for root in roots:
            if root.requires_grad and root.numel() != 1:
                self.rec.report(
                    "PTL202",
                    where,
                    f"backward() without a gradient on a tensor of {root.numel()} elements "
                    f"(shape {tuple(root.shape)}): reduce it to a scalar first (`.sum()`, `.mean()`) "
                    "or pass `gradient=`",
                )
                return

    def _is_leaf_node(self, node: Any) -> bool:
        kind = type(node)
        known = self._leaf_types.get(kind)
        if known is None:
            known = self._leaf_types[kind] = kind.__name__ == "AccumulateGrad"
        return known

    def _nodes(self, roots: tuple[torch.Tensor, ...], stop: Callable[[Any], bool]) -> Any:
        """The graph's nodes from ``roots``, depth first; ``stop`` prunes below a node."""
        stack = [root.grad_fn for root in roots if root.grad_fn is not None]
        seen: set[int] = set()
        while stack:
            node = stack.pop()
            if id(node) in seen or self._is_leaf_node(node):
                continue
            seen.add(id(node))
            yield node
            if not stop(node):
                stack.extend(child for child, _ in node.next_functions if child is not None)

    def _mark(self, roots: tuple[torch.Tensor, ...], mark: _Mark) -> None:
        def kept_older(node: Any) -> bool:  # a node an earlier backward freed: it and below keep that mark
            return node.metadata.get(_MARK) is not mark

        for node in self._nodes(roots, kept_older):
            old = node.metadata.get(_MARK)
            if old is None or not old.freed:
                node.metadata[_MARK] = mark

    def _freed_nodes(self, roots: tuple[torch.Tensor, ...]) -> set[int]:
        """The ids of the freed nodes this backward reaches (the freed graph, seen from this one)."""
        return {id(node) for node in self._nodes(roots, lambda node: False) if self._is_freed(node)}

    @staticmethod
    def _is_freed(node: Any) -> bool:
        mark = node.metadata.get(_MARK)
        return mark is not None and mark.freed

    def _find(self, roots: tuple[torch.Tensor, ...], freed: bool) -> _Mark | None:
        for node in self._nodes(roots, lambda node: False):
            mark = node.metadata.get(_MARK)
            if mark is not None and mark.freed == freed:
                return mark
        return None

    def _holders(self, start: types.FrameType | None, freed: set[int]) -> list[str]:
        """The user's names (locals of the frame that called backward, attributes of its ``self``,
        one level into tuples and lists) that still hold the freed graph this backward reaches
        (e.g. GAN's ``fake``). A state reassigned each iteration holds the new graph by then, and
        is not named: which name carried the old one is not known any more."""
        frame = self.rec.user.frame_from(start)
        if frame is None:
            return []
        owner = frame.f_locals.get("self")
        scopes = [("", frame.f_locals)] + ([("self.", vars(owner))] if hasattr(owner, "__dict__") else [])
        found = set()
        for prefix, scope in scopes:
            for name, value in list(scope.items()):
                for item in value if isinstance(value, (tuple, list)) and len(value) <= 8 else (value,):
                    if isinstance(item, torch.Tensor) and item.grad_fn is not None and id(item.grad_fn) in freed:
                        found.add(prefix + name)
        return sorted(found)

    def _explain(self, message: str, roots: tuple[torch.Tensor, ...], where: Where) -> None:
        if "backward through the graph a second time" in message:
            mark = self._find(roots, freed=True)
            if mark is None:
                self.rec.report("PTL201", where, "Backward through a graph that an earlier backward() already freed")
                return
            again = mark.where.filename == where.filename and mark.where.line == where.line
            holders = self._holders(sys._getframe(1), self._freed_nodes(roots))
            held = f": {_names(holders)} still {'hold' if len(holders) > 1 else 'holds'} that graph" if holders else ""
            self.rec.report(
                "PTL201",
                where,
                "Backward through a graph already freed by "
                + (
                    "this same backward() in an earlier call"
                    + (held or ": a tensor carried across iterations without `.detach()`?")
                    if again
                    else f"the backward() at line {mark.where.line}{held}"
                ),
                related=(mark.where.related("the graph is freed by this backward()"),),
            )
        elif "modified by an inplace operation" in message:
            mark = self._find(roots, freed=False)
            if mark is not None:
                self.rec.report(
                    "PTL201",
                    where,
                    f"Backward through the graph kept by the backward(retain_graph=True) at line {mark.where.line}, "
                    "after a tensor it saved was changed in place (an optimizer step between the two backwards?)",
                    related=(mark.where.related("the graph is kept by this backward(retain_graph=True)"),),
                )


class ZeroGradCheck(Check):
    """PTL204: an optimizer step whose gradients still hold the previous step's.

    After each step, the gradient tensor of each parameter and its version are remembered; at the
    next step, the same tensor with a newer version means a backward accumulated into it and
    nothing reset it (``zero_grad()`` sets it to None or zeroes it, both are watched).
    """

    codes = ("PTL204",)

    def install(self) -> None:
        from torch.optim import optimizer as optim_module

        self._stepped: dict[int, tuple[weakref.ref, int, Where]] = {}
        self._by_storage: dict[int, int] = {}  # storage of a stepped gradient -> its parameter's id
        self._storage_of: dict[int, int] = {}  # and back: one entry per parameter, however many steps
        self._reported: set[int] = set()
        self.hook(optim_module.register_optimizer_step_pre_hook(self._before_step))
        self.hook(optim_module.register_optimizer_step_post_hook(self._after_step))
        optimizer_zero_grad = torch.optim.Optimizer.zero_grad
        module_zero_grad = torch.nn.Module.zero_grad
        tensor_zero = torch.Tensor.zero_
        check = self

        def zero_grad_of_optimizer(self: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> Any:
            check._forget(p for group in self.param_groups for p in group["params"])
            return optimizer_zero_grad(self, *args, **kwargs)

        def zero_grad_of_module(self: torch.nn.Module, *args: Any, **kwargs: Any) -> Any:
            check._forget(self.parameters())
            return module_zero_grad(self, *args, **kwargs)

        def zero_(self: torch.Tensor) -> torch.Tensor:  # `p.grad.zero_()`, `p.grad.data.zero_()` by hand
            if check._by_storage:
                owner = check._by_storage.pop(_storage(self), None)
                if owner is not None:
                    check._stepped.pop(owner, None)
                    check._storage_of.pop(owner, None)
            return tensor_zero(self)

        self.patch(torch.optim.Optimizer, "zero_grad", zero_grad_of_optimizer)
        self.patch(torch.nn.Module, "zero_grad", zero_grad_of_module)
        self.patch(torch.Tensor, "zero_", zero_)
        scaler_step = torch.amp.GradScaler.step

        def checked_scaler_step(self: Any, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
            # A step that the scaler skips (an overflow) is still a step of the loop: gradients left
            # from it and accumulated into keep overflowing, and no step is ever taken again.
            check._before_step(optimizer, args, kwargs)
            result = scaler_step(self, optimizer, *args, **kwargs)
            check._after_step(optimizer, args, kwargs)
            return result

        self.patch(torch.amp.GradScaler, "step", checked_scaler_step)

    def _forget(self, params: Any) -> None:
        for p in params:
            self._stepped.pop(id(p), None)
            storage = self._storage_of.pop(id(p), None)
            if storage is not None:
                self._by_storage.pop(storage, None)

    def _after_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        where = self.rec.caller()
        if where is None:
            return
        for group in optimizer.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is not None and not grad.is_sparse:
                    self._stepped[id(p)] = (weakref.ref(grad), grad._version, where)
                    storage = _storage(grad)
                    old = self._storage_of.get(id(p))
                    if old is not None and old != storage:
                        self._by_storage.pop(old, None)
                    self._by_storage[storage] = id(p)
                    self._storage_of[id(p)] = storage

    def _before_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        if id(optimizer) in self._reported or not self._stepped:
            return
        for group in optimizer.param_groups:
            for p in group["params"]:
                entry = self._stepped.get(id(p))
                current: torch.Tensor | None = p.grad
                if entry is None or current is None or current._version == entry[1]:  # not written since
                    continue
                if entry[0]() is not current:  # a new gradient tensor: the old one was reset to None
                    continue
                self._reported.add(id(optimizer))
                self.rec.report(
                    "PTL204",
                    self.rec.caller(),
                    "optimizer step on gradients that still hold the previous step's: nothing reset them "
                    "(call `optimizer.zero_grad()` before each backward)",
                    related=(entry[2].related("the previous step() used these gradients"),),
                )
                return


class ManualStepCheck(Check):
    """PTL204 for gradient descent written by hand: a leaf updated in place from its gradient by
    the user's own code (``w -= lr * w.grad``, ``w.sub_(...)``, ``w.add_(...)`` on the leaf itself, not
    an optimizer's step), whose gradient a later backward adds to while it still holds the values
    the update used. A hook on the leaf sees each incoming gradient before torch accumulates it (a
    ``.grad`` not None and not all zeros there was neither set to None nor zeroed since the update);
    a second hook, run only when a backward accumulates into ``.grad`` (not for
    ``torch.autograd.grad``), reports it. (``w.data -= ...`` updates another tensor object than the
    leaf: not seen here; the static rule reports it.)"""

    codes = ("PTL204",)

    def install(self) -> None:
        self._updated: dict[int, Where] = {}  # id(leaf) -> the last update that used its gradient
        self._stale: set[int] = set()  # leaves whose incoming gradient meets what an update used
        self._hooked: set[int] = set()
        self._reported: set[int] = set()
        check = self
        for name in ("__isub__", "__iadd__", "sub_", "add_"):
            original = getattr(torch.Tensor, name)

            def update(self: torch.Tensor, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
                if self.is_leaf and self.requires_grad and self.grad is not None:
                    check._used(self)
                return _original(self, *args, **kwargs)

            self.patch(torch.Tensor, name, update)

    def _used(self, leaf: torch.Tensor) -> None:
        where = self.rec.caller(direct=True)  # the user's own line, not an optimizer's step
        if where is None or id(leaf) in self._reported:
            return
        self._updated[id(leaf)] = where
        if id(leaf) not in self._hooked:
            self._hooked.add(id(leaf))
            ref = weakref.ref(leaf)
            self.hook(leaf.register_hook(lambda incoming: self._incoming(ref)))
            self.hook(leaf.register_post_accumulate_grad_hook(lambda _: self._accumulated(ref)))

    def _incoming(self, ref: weakref.ref) -> None:
        leaf = ref()
        if leaf is None or id(leaf) not in self._updated:
            return
        grad = leaf.grad
        if grad is None or grad.is_sparse or not bool(grad.any()):
            self._updated.pop(id(leaf), None)  # reset since the update
            self._stale.discard(id(leaf))
        else:
            self._stale.add(id(leaf))  # what the update used, still there

    def _accumulated(self, ref: weakref.ref) -> None:
        leaf = ref()
        if leaf is None or id(leaf) not in self._stale:
            return
        self._stale.discard(id(leaf))
        where = self._updated.pop(id(leaf), None)
        if where is not None:
            self._reported.add(id(leaf))
            self.rec.report(
                "PTL204",
                where,
                "update by hand from a gradient that the next backward() adds to: nothing reset it "
                "(set `.grad = None` after the update)",
            )


def _names(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _storage(tensor: torch.Tensor) -> int:
    try:
        return tensor.untyped_storage().data_ptr()
    except Exception:  # a tensor without storage (meta, functional)
        return id(tensor)
