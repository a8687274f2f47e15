"""What torch ops do with their operands' devices: the ops that need all their tensors on one
device, the elementwise ops that let a 0-dim CPU tensor through, and the device of a result."""

from __future__ import annotations

from .lattice import Device
from .values import Kind, Value

# Ops that raise unless all their tensors are on one device (no CPU-scalar exception as for
# elementwise ops): given a tensor known on the CPU, they run on the CPU or raise (audit-5 G4).
SAME_DEVICE_METHODS = frozenset("mm matmul bmm mv dot addmm addbmm baddbmm addmv addr".split())
SAME_DEVICE_OPS = frozenset(
    {f"torch.{name}" for name in SAME_DEVICE_METHODS | {"cat", "concat", "stack", "hstack", "vstack"}}
    | {"torch.nn.functional.linear", "torch.nn.functional.embedding"}
    | {f"torch.nn.functional.conv{n}d" for n in (1, 2, 3)}
)
WITH_DIMENSIONS_METHODS = SAME_DEVICE_METHODS - {"matmul", "dot"}  # 1-D by 1-D gives a 0-dim tensor
WITH_DIMENSIONS_OPS = SAME_DEVICE_OPS - {"torch.matmul", "torch.dot"}
# Elementwise ops (function and method spellings): a CUDA run lets a 0-dim CPU tensor through as a
# scalar, any other CPU tensor raises the device mismatch (`Calls`, `Expressions.elementwise`).
ELEMENTWISE_OPS = frozenset(
    "add sub subtract rsub mul multiply div divide true_divide floor_divide remainder fmod pow"
    " maximum minimum fmax fmin atan2 hypot".split()
)


def moved_operand(moved: Value, other: Value) -> Value | None:
    """``moved``, a value of unknown class that was moved to a device, when the other operand is
    a plain Python value or on the same device: the result of the arithmetic is on that device."""
    if moved.kind is not Kind.UNKNOWN or moved.device is Device.UNKNOWN:
        return None
    return moved if other.kind is Kind.OTHER or other.device is moved.device else None


def on_cpu_or_raises(value: Value, inputs: list[Value]) -> Value:
    """``value`` of a same-device op: with one input known on the CPU and the others on the CPU
    or the device chosen at run time, it is never a CUDA tensor (a CUDA run raises first)."""
    devices = {v.device for v in inputs if v.kind is Kind.TENSOR}
    if value.device is Device.MAYBE_CUDA and Device.CPU in devices and devices <= {Device.CPU, Device.MAYBE_CUDA}:
        return value.with_(device=Device.CPU)
    return value
