"""PTL102 (`.data`), PTL401/PTL402 (`.numpy()`), PTL403 (a `.numpy()` snapshot read after the
tensor changed, opt-in) and PTL404 (`torch.from_numpy` of a read-only array)."""

from __future__ import annotations

from typing import Any

import torch

from ..frames import Where
from .base import Check


class DataProperty(property):
    """``Tensor.data`` as a property that keeps the descriptor's name: a ``TorchFunctionMode``
    (fake-cuda's) sees ``func.__self__.__name__ == "data"`` as it does for torch's own."""

    __name__ = "data"


class DataCheck(Check):
    """PTL102: `.data` read or assigned by the user's code (torch's own uses, such as
    ``Module._apply`` assigning ``param.data``, are not the user's)."""

    codes = ("PTL102",)

    def install(self) -> None:
        descriptor: Any = torch._C.TensorBase.data  # the C getset descriptor
        check = self

        def get(tensor: torch.Tensor) -> torch.Tensor:
            where = check.rec.caller(direct=True)
            if where is not None:
                check._report(tensor, where, "read")
            return descriptor.__get__(tensor)

        def set_(tensor: torch.Tensor, value: torch.Tensor) -> None:
            where = check.rec.caller(direct=True)
            if where is not None:
                check._report(tensor, where, "assigned")
            descriptor.__set__(tensor, value)

        self.patch(torch.Tensor, "data", DataProperty(get, set_, doc=descriptor.__doc__))

    def _report(self, tensor: torch.Tensor, where: Where, how: str) -> None:
        if isinstance(tensor, torch.nn.Parameter):
            what = "a parameter"
        elif tensor.requires_grad:
            what = "a tensor that requires grad"
        else:
            what = "a tensor"
        self.rec.report(
            "PTL102",
            where,
            f"`.data` {how} on {what}: what is done through it is hidden from autograd "
            "(use `.detach()`, or update under `torch.no_grad()`)",
        )


class NumpyCheck(Check):
    """PTL401 and PTL402: `.numpy()` (or `np.asarray` through `__array__`) on a tensor that is
    not on the CPU, or that requires grad, reported before torch raises."""

    codes = ("PTL401", "PTL402")

    def install(self) -> None:
        numpy = torch.Tensor.numpy
        array = torch.Tensor.__array__
        check = self
        self._inside = False

        def checked_numpy(self: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            if not check._inside and not kwargs.get("force", False):
                check._check(self)
            return numpy(self, *args, **kwargs)

        def checked_array(self: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            if check._inside:
                return array(self, *args, **kwargs)
            check._check(self)
            check._inside = True  # __array__ calls .numpy(): one finding, not two
            try:
                return array(self, *args, **kwargs)
            finally:
                check._inside = False

        self.patch(torch.Tensor, "numpy", checked_numpy)
        self.patch(torch.Tensor, "__array__", checked_array)

    def _check(self, tensor: torch.Tensor) -> None:
        if tensor.device.type != "cpu":
            self.rec.report(
                "PTL401",
                self.rec.caller(),
                f"`.numpy()` on a tensor on `{tensor.device}`: move it to the CPU first (`.detach().cpu().numpy()`)",
            )
        elif tensor.requires_grad:
            self.rec.report(
                "PTL402",
                self.rec.caller(),
                "`.numpy()` on a tensor that requires grad: detach it first (`.detach().numpy()`)",
            )


class FromNumpyCheck(Check):
    """PTL404: ``torch.from_numpy`` (or a sharing ``torch.as_tensor``) of a read-only array."""

    codes = ("PTL404",)

    def install(self) -> None:
        from_numpy, as_tensor = torch.from_numpy, torch.as_tensor
        check = self

        def checked_from_numpy(array: Any) -> torch.Tensor:
            if _read_only(array):
                check._report("torch.from_numpy")
            return check.as_user(from_numpy, array)

        def checked_as_tensor(data: Any, *args: Any, **kwargs: Any) -> torch.Tensor:
            tensor = check.as_user(as_tensor, data, *args, **kwargs)
            if _read_only(data) and tensor.device.type == "cpu" and _shares(tensor, data):
                check._report("torch.as_tensor")
            return tensor

        self.patch(torch, "from_numpy", checked_from_numpy)
        self.patch(torch, "as_tensor", checked_as_tensor)

    def _report(self, name: str) -> None:
        self.rec.report(
            "PTL404",
            self.rec.caller(),
            f"`{name}` of a read-only array: the tensor is writable and shares its memory, so writes "
            "reach memory NumPy protects (copy the array first: `a.copy()`)",
        )


def _read_only(array: Any) -> bool:
    flags = getattr(array, "flags", None)
    return flags is not None and getattr(flags, "writeable", True) is False and hasattr(array, "__array_interface__")


def _shares(tensor: torch.Tensor, array: Any) -> bool:
    try:
        return tensor.numel() > 0 and tensor.data_ptr() == array.__array_interface__["data"][0]
    except Exception:
        return False


class AliasCheck(Check):
    """PTL403 (opt-in: ``--select PTL403``): a `.numpy()` array read after its tensor changed in
    place. The user's `.numpy()` returns a view of an ``ndarray`` subclass that checks, when an
    operation reads it, whether the tensor changed since (its version counter, or its values
    against a copy taken then: a write through `.data` bumps no version); ``type(a)`` is that
    subclass and each snapshot costs a copy, which is why the check is opt-in."""

    codes = ("PTL403",)
    opt_in = True

    def install(self) -> None:
        try:
            import numpy as np
        except ImportError:
            self.rec.notes.append("PTL403 needs NumPy; it was not checked")
            return
        numpy = torch.Tensor.numpy
        check = self
        snapshot_type = _snapshot_type(np, self)

        def watched_numpy(self: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            result = numpy(self, *args, **kwargs)
            where = check.rec.caller(direct=True)
            if where is None or kwargs.get("force", False):
                return result
            view: Any = result.view(snapshot_type)
            # The tensor (the array keeps its storage alive anyway), its version, and a copy of the
            # values: a write through `.data` changes them without bumping the version.
            view._pt_lsp = (self, self._version, where, result.copy())
            return view

        self.patch(torch.Tensor, "numpy", watched_numpy)

    def read(self, snapshots: list[Any]) -> None:
        for snapshot in snapshots:
            info = getattr(snapshot, "_pt_lsp", None)
            if info is None:
                continue
            tensor, version, _, values = info
            if tensor._version == version and (values == snapshot.view(type(values))).all():
                continue
            snapshot._pt_lsp = None  # once per snapshot
            read_at = self.rec.caller()
            origin: Where = info[2]
            self.rec.report(
                "PTL403",
                origin,
                "`.numpy()` snapshot read after its tensor changed in place: the array shares the tensor's "
                "memory and shows the new values (take `.numpy().copy()`)",
                related=() if read_at is None else (read_at.related("read here, after the change"),),
            )


def _snapshot_type(np: Any, check: AliasCheck) -> type:
    def plain(value: Any) -> Any:
        return value.view(np.ndarray) if isinstance(value, Snapshot) else value

    class Snapshot(np.ndarray):  # type: ignore[misc]
        _pt_lsp: Any = None

        def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
            check.read([value for value in inputs if isinstance(value, Snapshot)])
            if "out" in kwargs:
                kwargs["out"] = tuple(plain(value) for value in kwargs["out"])
            return getattr(ufunc, method)(*(plain(value) for value in inputs), **kwargs)

        def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
            check.read([value for value in args if isinstance(value, Snapshot)])
            return func(*(plain(value) for value in args), **kwargs)

    Snapshot.__name__ = Snapshot.__qualname__ = "ndarray"
    return Snapshot


class CorruptionCheck(Check):
    """PTL102's silent gradient corruption (opt-in: ``--select PTL102``): a tensor changed through
    `.data` after autograd saved it for backward, so the gradient is computed from the changed
    values. ``saved_tensors_hooks`` stamp each saved tensor with a counter that every `.data`
    taken by the user also advances; when backward unpacks a tensor whose storage a later `.data`
    view wrote to, the `.data` line is reported with the backward that used the changed values."""

    codes = ("PTL102",)
    opt_in = True
    _KEPT = 64  # the latest `.data` views of tensors that require grad (kept alive: they are temporaries)

    def install(self) -> None:
        import collections

        self._epoch = 0
        self._views: collections.deque[tuple[torch.Tensor, int, int, int, Where]] = collections.deque(maxlen=self._KEPT)
        current: Any = torch.Tensor.data  # DataCheck's property when it is installed, else torch's descriptor
        check = self

        def get(tensor: torch.Tensor) -> torch.Tensor:
            view = current.__get__(tensor)
            if tensor.requires_grad:
                where = check.rec.caller(direct=True)
                if where is not None:
                    check._epoch += 1
                    check._views.append((view, _storage_of(view), view._version, check._epoch, where))
            return view

        self.patch(torch.Tensor, "data", DataProperty(get, current.__set__, doc=current.__doc__))
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, self._unpack)
        self._hooks.__enter__()

    def remove(self) -> None:
        self._hooks.__exit__(None, None, None)
        super().remove()

    def _pack(self, tensor: torch.Tensor) -> tuple[torch.Tensor, int]:
        return tensor, self._epoch

    def _unpack(self, packed: tuple[torch.Tensor, int]) -> torch.Tensor:
        tensor, saved_at = packed
        if self._views and self._views[-1][3] > saved_at:
            self._check(tensor, saved_at)
        return tensor

    def _check(self, tensor: torch.Tensor, saved_at: int) -> None:
        storage = _storage_of(tensor)
        for index, (view, view_storage, version, taken_at, where) in enumerate(self._views):
            if taken_at > saved_at and view_storage == storage and view._version != version:
                del self._views[index]
                used_at = self.rec.caller()
                self.rec.report(
                    "PTL102",
                    where,
                    "changed through `.data` after autograd saved it for backward: the gradient is computed from "
                    "the changed values, silently (use `.detach()` or `torch.no_grad()`: autograd then raises)",
                    related=() if used_at is None else (used_at.related("this backward used the changed values"),),
                    replace=True,
                )
                return


def _storage_of(tensor: torch.Tensor) -> int:
    try:
        return tensor.untyped_storage().data_ptr()
    except Exception:  # no storage (meta, functional)
        return -1
