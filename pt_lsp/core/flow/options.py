"""Command-line options that choose a CUDA device by default: ``parser.add_argument("--device",
default="cuda:0")`` read as ``args.device`` of ``args = parser.parse_args()``. A run without the
option uses CUDA; one that passes ``--device cpu`` does not, so the value is a device that may be
CUDA (chosen at run time), like ``"cuda" if torch.cuda.is_available() else "cpu"``.

Only names the file binds to ``parse_args()`` (or the first item of ``parse_known_args()``), as
such or as ``self.<name>`` / a parameter of the same name, count as the namespace: an unknown
tensor's ``.device`` is no option.

Also a size: an ``int`` option with a non-zero constant default (``--batch_size``, ``default=64``)
is a non-zero int, so ``if batch_size:`` in a method given ``args.batch_size`` takes its body
(audit-13 G1). Only non-zero sizes: an option defaulting to 0 or ``False`` is a switch a run may
turn on, whose branch the rules still read.
"""

from __future__ import annotations

import ast

from .. import vocabulary as api
from ..walk import NodeIndex
from .lattice import Device
from .values import INT, Kind, Step, Value

_PARSERS = frozenset({"parse_args", "parse_known_args"})


def _default_device(default: ast.expr) -> Device:
    if isinstance(default, ast.IfExp):  # `"cuda" if torch.cuda.is_available() else "cpu"`
        sides = {_default_device(default.body), _default_device(default.orelse)}
        return Device.MAYBE_CUDA if sides == {Device.CUDA, Device.CPU} else Device.UNKNOWN
    if isinstance(default, ast.Constant) and isinstance(default.value, str):
        return api.device_of_string(default.value)
    return Device.UNKNOWN


def _nonzero_int(default: ast.expr | None) -> bool:
    return isinstance(default, ast.Constant) and type(default.value) is int and default.value != 0


def _is_int_type(kind: ast.expr | None) -> bool:
    return isinstance(kind, ast.Name) and kind.id == "int"


def _namespace_names(index: NodeIndex) -> set[str]:
    names = set()
    for node in index.of(ast.Assign):
        value = node.value
        if isinstance(value, ast.Subscript):  # `args = parser.parse_known_args()[0]`
            value = value.value
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
            continue
        if value.func.attr not in _PARSERS:
            continue
        for target in node.targets:
            if isinstance(target, (ast.Tuple, ast.List)) and target.elts:  # `args, rest = ...`
                target = target.elts[0]
            if isinstance(target, ast.Name):
                names.add(target.id)
            elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                names.add(target.attr)  # `self.args = parser.parse_args()`
    return names


class Options:
    """The file's options whose default is a CUDA device or a non-zero int, read lazily on the first
    attribute."""

    def __init__(self, index: NodeIndex, text: str) -> None:
        self.index = index
        self.wanted = "add_argument" in text and "parse_" in text
        self._defaults: dict[str, Value] | None = None
        self._namespaces: set[str] = set()

    def default(self, node: ast.Attribute) -> Value | None:
        """The value ``args.<option>`` holds by default when it is CUDA (a device that may be
        CUDA) or a non-zero int, else None."""
        if not self.wanted:
            return None
        if self._defaults is None:
            self._defaults = self._scan()
        if node.attr not in self._defaults:
            return None
        base = node.value
        name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else None
        if name not in self._namespaces:
            return None
        return self._defaults[node.attr]

    def _scan(self) -> dict[str, Value]:
        found: dict[str, Value | None] = {}
        for call in self.index.of(ast.Call):
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == "add_argument") or not call.args:
                continue
            flag = call.args[-1]
            if not (isinstance(flag, ast.Constant) and isinstance(flag.value, str) and flag.value.startswith("--")):
                continue
            keywords = {k.arg: k.value for k in call.keywords}
            dest = keywords.get("dest")
            name = dest.value if isinstance(dest, ast.Constant) else flag.value.lstrip("-").replace("-", "_")
            default = keywords.get("default")
            device = _default_device(default) if default is not None else Device.UNKNOWN
            value = None
            if _nonzero_int(default) and _is_int_type(keywords.get("type")):
                value = INT.with_(truth=True)
            elif device in (Device.CUDA, Device.MAYBE_CUDA):
                step = Step(
                    call, f"the option `{flag.value}` chooses CUDA by default (a run may choose another device)"
                )
                value = Value(kind=Kind.DEVICE, device=Device.MAYBE_CUDA, requires_grad=False, steps=(step,))
            found[str(name)] = value if str(name) not in found else None  # defined twice: not known
        defaults = {name: value for name, value in found.items() if value is not None}
        if defaults:
            self._namespaces = _namespace_names(self.index)
        return defaults
