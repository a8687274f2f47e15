"""Where ``.cuda()``, ``.cpu()`` and ``.to(...)`` put a tensor or a module, and the steps that say so."""

from __future__ import annotations

import ast

from .lattice import Device
from .state import State
from .values import INT, Args, Kind, Kwargs, Value, merge_steps, subject


def condition(state: State) -> str:
    """`` (under `use_cuda`)`` for a step taken inside a branch, when the test is short."""
    if state.under is None:
        return ""
    test, holds = state.under
    if not holds and isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, holds = test.operand, True
    text = ast.unparse(test)
    return f" (under `{'' if holds else 'not '}{text}`)" if len(text) <= 60 else ""


def moved_to(
    value: Value, node: ast.Call, receiver: ast.expr, device: Device, before: Device, args: Args, kwargs: Kwargs
) -> Value:
    """``value`` after ``.to(...)``: a step saying where it went, with the steps of the device."""
    if device is before and device is not Device.MAYBE_CUDA:
        return value
    target = kwargs.get("device") or (args[0] if args else None)
    steps = target.steps if target is not None else ()
    if device is Device.CUDA:
        value = value.step(node, f"{subject(receiver)} moved to CUDA here")
    elif device is Device.MAYBE_CUDA:
        value = value.step(node, f"{subject(receiver)} moved to the device chosen at run time here")
    elif device is Device.CPU:
        return value.with_(steps=())
    return value.with_(steps=merge_steps(steps, value.steps))


def target_device(node: ast.Call, args: Args, kwargs: Kwargs, current: Device) -> Device:
    """Where ``.to(...)`` moves a tensor or module (dtype-only moves keep the device)."""
    candidates = [kwargs["device"]] if "device" in kwargs else list(args[:1])
    for value in candidates:
        if value.kind in (Kind.DEVICE, Kind.TENSOR):
            return value.device
        if value.qualname == INT.qualname:
            return Device.CUDA  # `.to(local_rank)`: an int names a CUDA device by its index
        if value.kind is Kind.REF or value.kind is Kind.OTHER:
            return current  # a dtype (torch.float16) or non_blocking flag
        return Device.UNKNOWN
    return current
