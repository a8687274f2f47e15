"""Items (``x[i]``): reads of sequences, dicts of known keys, tensors, read-only arrays, an
``nn.Sequential``'s layers and the items of instances with ``__getitem__``; stores into lists and
dicts, kept per constant index so that a later read finds the value stored."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..walk import attr_path
from .indexing import basic_index, is_dict, legacy_scalar_read, string_key, taken_for_a_tensor
from .lattice import Device, ReadOnly
from .state import State, item_key
from .values import BYTES, INT, UNKNOWN, Kind, Value, add_element

if TYPE_CHECKING:
    from .evaluator import Expressions


class Items:
    """Reads and stores of items, for the expressions."""

    def __init__(self, expressions: Expressions) -> None:
        self.expressions = expressions  # its calls are set after it is built
        self.scope = expressions.scope
        self.eval = expressions.eval
        self.derived = expressions.derived

    def own_entry(self, node: ast.Subscript, base: Value) -> Value | None:
        """``pool[i]`` in a loop over distinct ``i`` that reads ``pool`` only so: this pass's own
        entry (pass_entries.py), not the graph of every entry folded."""
        loops = self.scope.stack.loops
        element = base.elem
        if not loops or element is None or base.items is not None or not element.history:
            return None
        if not isinstance(node.value, ast.Name):
            return None
        name = node.value.id
        entries = self.expressions.pass_entries
        if not entries.read_at_index(loops[-1].node, name, node):
            return None
        return entries.entry(element, loops, node, [(name, base)], name)

    def read(self, node: ast.Subscript, state: State) -> Value:
        base = self.eval(node.value, state)
        index = node.slice
        position = self.eval(index, state)
        key = item_key(node) if state.items else None
        stored = state.env.get(key) if key is not None and key in state.items else None
        if stored is not None:
            return stored  # the item stored by this index (`hidden[i] = h.detach()`)
        # a view of the read-only memory: basic indexing, or an int from a loop or a sampler (`rows[idx]`)
        if base.read_only is not None and (basic_index(index) or position.qualname == INT.qualname):
            array = base.read_only
            sliced = isinstance(index, ast.Slice) and index.step is None
            # one int (a row), `None` or `...` of a C-contiguous array: contiguous too (`a[idx].reshape(-1)`)
            row = not isinstance(index, (ast.Tuple, ast.Slice))
            return Value(
                read_only=ReadOnly(
                    array.reason, array.where, array.contiguous and (sliced or row), array.one_dim and sliced
                )
            )
        if base.qualname == BYTES.qualname and isinstance(index, ast.Slice):
            return BYTES
        if base.keys is not None and isinstance(index, ast.Constant) and isinstance(index.value, str):
            for name, value in base.keys:  # `losses["d_real"]`: that entry's graph only
                if name == index.value:
                    return value
        if base.kind is Kind.SEQ:
            if base.items is not None and isinstance(index, ast.Constant) and isinstance(index.value, int):
                if -len(base.items) <= index.value < len(base.items):
                    return base.items[index.value]
            if isinstance(index, ast.Slice):
                return base
            entry = self.own_entry(node, base)
            return entry if entry is not None else base.iter_elem()
        if base.kind is Kind.TENSOR:
            if legacy_scalar_read(node):
                # `loss.data[0]` was a Python number in the torch it was written for, and raises
                # IndexError on today's 0-dim losses: a tensor in neither (audit-4 F2).
                return UNKNOWN
            return self.derived(node, state, [base])
        if base.kind is Kind.MODULE and base.qualname == "torch.nn.Sequential" and base.attrs:
            layer = sequential_layer(base, index)  # `model[0]`: that layer, where the container is
            if layer is not None:
                return layer
        if base.kind is Kind.OTHER and base.cls is not None:  # `dataset[0]`: what its `__getitem__` returns
            item = self.expressions.calls.subscript_item(node, base, position, state)
            if item is not None:
                return item
        if base.elem is not None:
            return base.elem
        if base.kind is Kind.UNKNOWN and base.device is not Device.UNKNOWN:
            # moved to a device, of unknown class (a DataLoader's batch): its items are there too
            return Value(device=base.device, history=base.history, requires_grad=None, steps=base.steps)
        if base.history:
            return Value(history=base.history, requires_grad=base.requires_grad)
        return UNKNOWN

    def store(self, target: ast.Subscript, value: Value, state: State) -> None:
        container = self.eval(target.value, state)
        self.eval(target.slice, state)
        path = attr_path(target.value)
        keys = None  # a dict of known keys given one by a constant key: that entry replaced
        if container.keys is not None and isinstance(target.slice, ast.Constant) and string_key(target):
            key_name = target.slice.value
            keys = (*((k, v) for k, v in container.keys if k != key_name), (key_name, value))
        if (
            path is not None
            and container.kind in (Kind.SEQ, Kind.OTHER)
            and container.elem is not None
            or (path is not None and container.kind is Kind.SEQ)
        ):
            elem = add_element(container.iter_elem(), value)  # it holds `value` now, among others
            if is_dict(container, target) and elem is not value and elem is not container.elem:
                # a key names one value: a read by a key requires grad only where every value
                # does, as in a dict display (`ret["mel"] = ret["mel"].detach()`)
                elem = elem.with_(requires_grad=container.iter_elem().join(value).requires_grad)
            state.env[path] = container.with_(
                elem=elem,
                items=None,
                history=container.history | value.history,
                keys=keys,
            )
        elif path is not None and "." not in path and container.keys is not None:  # `out = {}; out["g_l1"] = l1`
            state.env[path] = container.with_(elem=value, history=container.history | value.history, keys=keys)
        elif path is not None and container.keys is not None and is_grad_leaf(value) and not container.history:
            # `self.params[f"W{i}"] = torch.randn(..., requires_grad=True)`: an attribute's dict of
            # parameters made by hand; its leaves have no graph, so no other method's entries
            # can hand one across iterations (the losses of a50950f's GAN class are not leaves)
            held = container.elem if container.elem is not None and is_grad_leaf(container.elem) else value
            state.env[path] = container.with_(elem=held.join(value), keys=None)
        elif path is not None and container.kind is Kind.TENSOR and carries_graph(value) and not string_key(target):
            state.env[path] = self.written(target, container, value, state)  # (a string key: a mapping, below)
        elif path is not None and string_key(target) and taken_for_a_tensor(container):
            # `ret["mel"] = ...`: no tensor takes a string key, so this is a mapping (a module's
            # output dict read as its output tensor); its items unknown, their graph kept
            state.env[path] = Value(kind=Kind.OTHER, history=container.history)
        if path is not None:
            state.forget_items(path)  # another index may name the same item
            key = item_key(target)
            # a list, or a dict (`ret["mel"] = ret["mel"].detach()`: the item is that value now)
            if key is not None and (container.kind is Kind.SEQ or is_dict(container, target)):
                state.env[key] = value
                state.items.add(key)

    def written(self, target: ast.Subscript | ast.AugAssign, tensor: Value, value: Value, state: State) -> Value:
        """``buf[i] = policy(obs)``, ``out[:, t] = h``: torch copies ``value`` into the tensor in
        place and records it (CopySlices), so the tensor takes its graph and requires grad where
        it does. Its device stays its own (the copy crosses devices); no graph under no_grad;
        a leaf that requires grad stays the leaf (torch refuses the write: PTL203)."""
        if not state.grad_enabled or is_grad_leaf(tensor):
            return tensor
        result = self.derived(target, state, [tensor, value])
        return result.with_(kind=Kind.TENSOR, device=tensor.device)


def carries_graph(value: Value) -> bool:
    """A value whose copy into a tensor records a graph: a graph of its own, or a leaf that
    requires grad."""
    return bool(value.history) or value.requires_grad is True


def is_grad_leaf(value: Value) -> bool:
    """A tensor that requires grad with no graph: a leaf (``requires_grad=True``)."""
    return value.kind is Kind.TENSOR and value.requires_grad is True and not value.history


def sequence_layer_index(index: ast.expr, count: int) -> int | None:
    if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub) and isinstance(index.operand, ast.Constant):
        value = index.operand.value
        return count - value if isinstance(value, int) and 0 < value <= count else None
    if isinstance(index, ast.Constant) and isinstance(index.value, int) and 0 <= index.value < count:
        return index.value
    return None


def sequential_layer(container: Value, index: ast.expr) -> Value | None:
    """``seq[i]`` of an ``nn.Sequential`` built from known layers (named "0", "1"...): the
    layer, on the container's device (moves of the container move it)."""
    position = sequence_layer_index(index, len(container.attrs))
    layer = dict(container.attrs).get(str(position)) if position is not None else None
    if layer is None or layer.kind is not Kind.MODULE:
        return None
    return layer.with_(device=container.device, steps=container.steps) if layer.requires_grad else layer
