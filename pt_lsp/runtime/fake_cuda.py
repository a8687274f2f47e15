"""A CUDA device simulated on the CPU, so that device bugs show up on a machine without a GPU.

Inside ``fake_cuda()``, a tensor placed on ``cuda`` (``.cuda()``, ``.to("cuda")``, ``device="cuda"``,
a module's ``.cuda()``/``.to(device)``) is an ordinary CPU tensor that carries a mark; every torch
call passes through a ``TorchFunctionMode`` that

- propagates the mark from inputs to outputs, and drops it on ``.cpu()`` / ``.to("cpu")``;
- answers ``.device``, ``.is_cuda`` and ``.get_device()`` as CUDA would, and
  ``torch.cuda.is_available()`` with ``True``;
- raises CUDA's own errors where CUDA raises them: ``.numpy()`` / ``__array__`` on a CUDA tensor,
  and an operation mixing CUDA and CPU tensors (``x @ w``, ``embedding``, ``conv2d``,
  ``index_select``, ``cat``), with CPU 0-dim tensors allowed as CUDA allows them.

The values are real, so programs compute what they would on a GPU (up to floating-point order)
and their outputs can be compared. What the proxy cannot see is listed in ``devices.PROXY_BLIND_SPOTS``; the
verify report prints it with every proxy row.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from .devices import FAKE_CUDA

NAME = FAKE_CUDA
MISMATCH = "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
NUMPY_ERROR = (
    "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first."
)

_MARK = "_pt_lsp_fake_cuda"
_CUDA = torch.device("cuda", 0)
_CPU = torch.device("cpu")
_CUDA_NAME = re.compile(r"cuda(:\d+)?")
# Operations that CUDA allows across devices: copies, indexing with CPU indices, printing.
_CROSS_DEVICE = frozenset(
    {"to", "cuda", "cpu", "copy_", "__getitem__", "__setitem__", "index_put_", "index_put", "type", "__repr__"}
    | {"__format__", "__reduce_ex__", "__deepcopy__", "set_", "pin_memory", "is_pinned", "new_tensor"}
    # Questions about tensors, not computations on them.
    | {"_has_compatible_shallow_copy_type", "is_same_size", "is_set_to", "__hash__", "__len__"}
)


# Packed sequences keep their bookkeeping on the host even for CUDA data: each of these ops takes
# a CPU int64 tensor at the given argument (lengths, batch_sizes) beside CUDA data, and returns
# the outputs at the given indices on the CPU (CUDA refuses CUDA lengths to pack; torch >= 1.7).
_HOST_ARGUMENT = {"_pack_padded_sequence": 1, "_pad_packed_sequence": 1, "lstm": 1, "gru": 1, "rnn_tanh": 1}
_HOST_ARGUMENT |= {"rnn_relu": 1}
_HOST_OUTPUTS = {"_pack_padded_sequence": (1,), "_pad_packed_sequence": (1,)}
LENGTHS_ERROR = "'lengths' argument should be a 1D CPU int64 tensor, but got {dim}D cuda:0 Long tensor"


def _host_argument(name: str, args: tuple) -> torch.Tensor | None:
    """The CPU bookkeeping tensor of a packed-sequence op (``lstm``/``gru`` only in their packed
    form, whose second argument is the 1-D int64 ``batch_sizes`` rather than a hidden state)."""
    index = _HOST_ARGUMENT.get(name)
    if index is None or len(args) <= index or not isinstance(args[index], torch.Tensor):
        return None
    value = args[index]
    if name in ("lstm", "gru", "rnn_tanh", "rnn_relu") and not (value.dim() == 1 and value.dtype == torch.int64):
        return None
    return value


def is_fake_cuda(value: object) -> bool:
    return isinstance(value, torch.Tensor) and getattr(value, _MARK, False)


def _mark(value: Any, cuda: bool) -> Any:
    """Mark (or unmark) every tensor in ``value``; return ``value``."""
    if isinstance(value, torch.Tensor):
        try:
            setattr(value, _MARK, cuda)
        except (AttributeError, RuntimeError):  # a tensor subclass without a __dict__
            pass
    elif isinstance(value, (tuple, list)):
        for item in value:
            _mark(item, cuda)
    return value


def _tensors(args: tuple, kwargs: dict) -> Iterator[torch.Tensor]:
    for value in (*args, *kwargs.values()):
        if isinstance(value, torch.Tensor):
            yield value
        elif isinstance(value, (tuple, list)):
            yield from (item for item in value if isinstance(item, torch.Tensor))


def _is_cuda_device(value: object) -> bool | None:
    """True: names CUDA; False: names another device; None: not a device."""
    if isinstance(value, torch.device):
        return value.type == "cuda"
    if isinstance(value, str):
        if _CUDA_NAME.fullmatch(value):
            return True
        try:
            torch.device(value)
        except (RuntimeError, TypeError):
            return None
        return False
    if isinstance(value, int) and not isinstance(value, bool):
        return True  # an ordinal: a CUDA device
    return None


def _cpu(value: Any) -> Any:
    return _CPU if _is_cuda_device(value) else value


class FakeCudaMode(TorchFunctionMode):
    def __init__(self) -> None:
        super().__init__()
        self.default_cuda = False  # torch.set_default_device("cuda") was called

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        name = getattr(func, "__name__", "")
        if name in ("__get__", "__set__"):
            return self._attribute(func, name, args)
        target = self._target(name, args, kwargs)  # True: moves to CUDA; False: to the CPU
        if name in ("cuda", "cpu"):
            tensor = args[0]
            if is_fake_cuda(tensor) == (name == "cuda"):
                return tensor  # already there: torch returns the tensor itself
            memory_format = {k: v for k, v in kwargs.items() if k == "memory_format"}
            return _mark(tensor.clone(**memory_format), name == "cuda")
        host = _host_argument(name, args)
        if host is not None and name == "_pack_padded_sequence" and is_fake_cuda(host):
            raise RuntimeError(LENGTHS_ERROR.format(dim=host.dim()))
        inputs = [t for t in _tensors(args, kwargs) if t is not host]
        marked = [is_fake_cuda(t) for t in inputs]
        if name == "get_device" and any(marked):
            return 0
        if name in ("numpy", "__array__") and any(marked):
            raise TypeError(NUMPY_ERROR)
        if name not in _CROSS_DEVICE and any(marked) and target is None:
            if any(not m and t.dim() > 0 for t, m in zip(inputs, marked)):
                raise RuntimeError(MISMATCH)
        if "device" in kwargs:
            kwargs["device"] = _cpu(kwargs["device"])
        if name == "to":
            args = tuple(_cpu(a) if i else a for i, a in enumerate(args))
        elif name == "type" and len(args) > 1 and "cuda" in str(args[1]):
            args = (args[0], str(args[1]).replace("cuda.", ""), *args[2:])
        elif name == "pin_memory":
            return args[0]
        result = func(*args, **kwargs)
        if target is not None and any(result is t for t in inputs) and is_fake_cuda(result) != target:
            result = result.clone()  # the move to the other device is a copy, never the tensor itself
        if (
            name == "__repr__"
            and any(marked)
            and isinstance(result, str)
            and result.endswith(")")
            and "device=" not in result
        ):
            return result[:-1] + ", device='cuda:0')"
        if target is None:
            target = any(marked) if name not in ("tolist", "item") else None
            if name in _FACTORIES and not inputs and self.default_cuda:
                target = True
        if name in ("copy_", "__setitem__", "index_put_", "set_") and inputs:
            target = is_fake_cuda(args[0])
        if target is not None and name in _HOST_OUTPUTS and isinstance(result, tuple):
            for index, item in enumerate(result):
                _mark(item, target and index not in _HOST_OUTPUTS[name])
            return result
        return _mark(result, target) if target is not None else result

    def _target(self, name: str, args: tuple, kwargs: dict) -> bool | None:
        """Where the call puts its result when it names a device: CUDA (True), elsewhere (False)."""
        if name == "cuda":
            return True
        if name == "cpu":
            return False
        if "device" in kwargs and kwargs["device"] is not None:
            return _is_cuda_device(kwargs["device"])
        if name == "to":
            for value in args[1:]:
                if isinstance(value, torch.Tensor):
                    return is_fake_cuda(value)
                named = _is_cuda_device(value)
                if named is not None:
                    return named
        if name == "type" and len(args) > 1 and args[1] is not None:
            return "cuda" in str(args[1])
        return None

    def _attribute(self, func, name: str, args: tuple):
        descriptor = getattr(func, "__self__", None)
        attribute = getattr(descriptor, "__name__", "")
        tensor = args[0] if args else None
        if name == "__set__":
            func(*args)
            if attribute == "data" and len(args) > 1:
                _mark(tensor, is_fake_cuda(args[1]))
            return None
        cuda = is_fake_cuda(tensor)
        if cuda and attribute == "device":
            return _CUDA
        if attribute == "is_cuda":
            return cuda
        if attribute == "is_cpu" and cuda:
            return False
        result = func(*args)
        if cuda and attribute in ("data", "grad", "T", "mT", "H", "mH", "real", "imag") and result is not None:
            _mark(result, True)
        return result


_FACTORIES = frozenset(
    {"tensor", "zeros", "ones", "empty", "full", "rand", "randn", "randint", "randperm", "arange", "linspace"}
    | {"logspace", "eye", "as_tensor", "zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"}
)


def _cuda_api(mode: FakeCudaMode) -> dict[str, Any]:
    """The ``torch.cuda`` functions a CPU build answers with "no CUDA", answered as one GPU would."""

    def set_default_device(device: Any) -> None:
        # Recorded, not passed on: torch 2.1 implements the default device as a mode of its own
        # that would hand every factory an explicit device="cpu" before this proxy sees it.
        mode.default_cuda = bool(_is_cuda_device(device))
        _real_set_default_device(None if mode.default_cuda else device)

    def nothing() -> Any:
        # One function per name: torch._dynamo maps torch's functions by identity.
        return lambda *args, **kwargs: None

    return {
        "torch.cuda.is_available": lambda: True,
        "torch.cuda.device_count": lambda: 1,
        "torch.cuda.current_device": lambda: 0,
        "torch.cuda.is_initialized": lambda: True,
        "torch.cuda.get_device_name": lambda device=None: NAME,
        "torch.cuda.get_device_capability": lambda device=None: (8, 0),
        "torch.cuda.is_current_stream_capturing": lambda: False,  # optimizers ask (torch 2.1)
        "torch.cuda.synchronize": nothing(),
        "torch.cuda.empty_cache": nothing(),
        "torch.cuda.set_device": nothing(),
        "torch.cuda.manual_seed": lambda seed: None,  # torch.manual_seed seeds every device
        "torch.cuda.manual_seed_all": lambda seed: None,
        "torch.cuda.memory_allocated": lambda device=None: 0,
        "torch.cuda.max_memory_allocated": lambda device=None: 0,
        "torch.set_default_device": set_default_device,
        # CUDA autocast becomes CPU autocast with the same dtype (float16 included, torch >= 2.5).
        "torch.autocast": _CudaAutocast,
        "torch.amp.autocast": _CudaAutocast,
        "torch.cuda.amp.autocast": _cuda_amp_autocast,
        # cuDNN is not there to accept a tensor; without this, every RNN call warns that it is missing.
        "torch.backends.cudnn.is_acceptable": lambda tensor: False,
    }


_real_set_default_device = torch.set_default_device


def _cuda_amp_autocast(enabled: bool = True, dtype: torch.dtype = torch.float16, cache_enabled: bool = True) -> Any:
    return _CudaAutocast("cuda", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class _CudaAutocast(torch.autocast):
    def __init__(self, device_type: str = "cuda", *args: Any, **kwargs: Any) -> None:
        if device_type == "cuda":
            kwargs.setdefault("dtype", torch.float16)  # CUDA's default; the CPU's is bfloat16
            device_type = "cpu"
        super().__init__(device_type, *args, **kwargs)


@contextlib.contextmanager
def _patched(replacements: dict[str, Any]) -> Iterator[None]:
    saved = []
    for dotted, value in replacements.items():
        owner_name, attribute = dotted.rsplit(".", 1)
        owner = functools.reduce(getattr, owner_name.split(".")[1:], torch)  # "torch.cuda" -> torch.cuda
        saved.append((owner, attribute, getattr(owner, attribute)))
        setattr(owner, attribute, value)
    try:
        yield
    finally:
        for owner, attribute, value in reversed(saved):
            setattr(owner, attribute, value)


def _marking_getitem(original):
    # torch 2.1 does not hand indexing of plain tensors to a TorchFunctionMode: mark here.
    def __getitem__(self, index):
        return _mark(original(self, index), is_fake_cuda(self))

    return __getitem__


def _parameter_new(original):
    def __new__(cls, data=None, requires_grad=True):
        parameter = original(cls, data, requires_grad)
        if data is not None and is_fake_cuda(data):
            _mark(parameter, True)
        return parameter

    return staticmethod(__new__)


@contextlib.contextmanager
def fake_cuda() -> Iterator[FakeCudaMode]:
    """Run the block with CUDA simulated on the CPU (see the module's docstring)."""
    mode = FakeCudaMode()
    parameter_new, getitem = torch.nn.Parameter.__new__, torch.Tensor.__getitem__
    torch.nn.Parameter.__new__ = _parameter_new(parameter_new)  # type: ignore[method-assign]
    torch.Tensor.__getitem__ = _marking_getitem(getitem)  # type: ignore[method-assign]
    try:
        with _patched(_cuda_api(mode)), mode:
            yield mode
    finally:
        torch.nn.Parameter.__new__ = parameter_new  # type: ignore[method-assign]
        torch.Tensor.__getitem__ = getitem  # type: ignore[method-assign]
        if mode.default_cuda:
            _real_set_default_device(None)
