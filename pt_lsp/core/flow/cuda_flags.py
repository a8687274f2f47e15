"""CUDA flags: booleans that are true exactly when CUDA is used (`torch.cuda.is_available()`, a
name bound to it or named for it, `x.is_cuda`, `device.type == "cuda"`), and the narrowing of a
state on the branch where such a flag is false (what may be on CUDA is on the CPU there)."""

from __future__ import annotations

import ast
import re

from .lattice import Device
from .state import State
from .values import MAX_NESTING, Value

OTHER_ACCELERATORS = frozenset({"mps", "xpu", "hpu", "npu", "mtia", "xla"})

_NO_CUDA_NAME = re.compile(r"(?:^|_)(?:no|without|disable)_?(?:cuda|gpu)(?:$|_)", re.IGNORECASE)
_CUDA_NAME = re.compile(r"(?:^|_)(?:cuda|gpu|on_gpu|use_cuda|use_gpu)s?(?:$|_)", re.IGNORECASE)


def flag_by_name(name: str) -> bool | None:
    """A boolean named for CUDA (`use_cuda`, `args.cuda`, `train_on_gpu`; `no_cuda` negated):
    scripts decide their device with it, so its branches narrow the device."""
    lowered = name.lower()
    if "cuda" not in lowered and "gpu" not in lowered:
        return None  # both patterns need one of the two words: most names, without a regex search
    if _NO_CUDA_NAME.search(name):
        return False
    if _CUDA_NAME.search(name):
        return True
    return None


def device_comparison(node: ast.Compare) -> bool | None:
    """`device.type == "cuda"`, `str(device) != "cpu"`, `args.device == "cuda"`: a CUDA flag."""
    if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
        return None
    for side in (node.left, node.comparators[0]):
        if isinstance(side, ast.Constant) and isinstance(side.value, str):
            head = side.value.split(":", 1)[0].strip().lower()
            if head in ("cuda", "cpu"):
                equal = isinstance(node.ops[0], (ast.Eq, ast.Is))
                return equal if head == "cuda" else not equal
    return None


def narrow(state: State, uses_cuda: bool | None) -> None:
    """Narrow ``state`` to a branch taken when CUDA is not used (``uses_cuda`` False): what may
    be on CUDA because the device was chosen at run time is on the CPU there. Any other branch:
    as it is."""
    if uses_cuda is not False:
        return
    for name, value in state.env.items():
        cpu = on_cpu(value)
        if cpu is not value:
            state.env[name] = cpu
    if state.default_device is Device.MAYBE_CUDA:
        state.default_device = Device.CPU


def on_cpu(value: Value, depth: int = 0) -> Value:
    """``value`` where CUDA is not used: what may be on CUDA is on the CPU, in the containers it
    holds too (`batches = [b.cuda() for b in batches]` under the same flag, audit-18 G9)."""
    changes: dict[str, object] = {}
    if value.device is Device.MAYBE_CUDA:
        changes["device"] = Device.CPU
    if depth < MAX_NESTING:
        if value.items:
            items = tuple(on_cpu(item, depth + 1) for item in value.items)
            if any(a is not b for a, b in zip(items, value.items)):
                changes["items"] = items
        if value.elem is not None and (elem := on_cpu(value.elem, depth + 1)) is not value.elem:
            changes["elem"] = elem
        if value.keys:
            keys = tuple((key, on_cpu(entry, depth + 1)) for key, entry in value.keys)
            if any(a[1] is not b[1] for a, b in zip(keys, value.keys)):
                changes["keys"] = keys
    return value.with_(**changes) if changes else value


def narrowed(state: State, uses_cuda: bool | None) -> State:
    """``state`` itself, or a narrowed copy on a branch taken when CUDA is not used."""
    if uses_cuda is not False:
        return state
    copy = state.copy()
    narrow(copy, uses_cuda)
    return copy
