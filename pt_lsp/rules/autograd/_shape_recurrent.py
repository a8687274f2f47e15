"""The shapes of what ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` return, for PTL202.

``out, h_n = rnn(x)`` (``out, (h_n, c_n) = lstm(x)``): ``out`` keeps the input's leading
dimensions, ``(L, N, D * H)`` (``(N, L, D * H)`` with ``batch_first=True``, ``(L, D * H)``
unbatched); ``h_n`` and ``c_n`` are ``(D * num_layers, N, H)`` (``(D * num_layers, H)``
unbatched), whatever ``batch_first`` says. The rank comes from the input's shape, which must be
known: a ``PackedSequence`` or an input of unknown shape leaves the output unknown.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pt_lsp.core.flow.autograd import keyword
from pt_lsp.core.flow.values import Step
from pt_lsp.rules.autograd._literals import item_key
from pt_lsp.rules.autograd._shape_lattice import ROWS, Dim, Shape, join, join_dim
from pt_lsp.rules.autograd._shape_vocab import RECURRENT

if TYPE_CHECKING:
    from pt_lsp.rules.autograd._shapes import Shapes

# nn.LSTM(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size)
_NUM_LAYERS, _BATCH_FIRST, _BIDIRECTIONAL = 2, 4, 6


def recurrent_item(expr: ast.Subscript) -> tuple[ast.Call, tuple[int, ...]] | None:
    """``rnn(x)[0]`` -> (the call, (0,)); ``lstm(x)[1][0]`` -> (the call, (1, 0)): an item of what a
    module call returns, read by the constant indexes unpacking gives."""
    path: list[int] = []
    node: ast.expr = expr
    while isinstance(node, ast.Subscript) and len(path) < 2:
        key = item_key(node)
        if not isinstance(key, int) or key not in (0, 1):
            return None
        path.insert(0, key)
        node = node.value
    if not isinstance(node, ast.Call) or not node.args:
        return None
    return node, tuple(path)


class RecurrentShapes:
    """``shape(expr)``: the shape of ``rnn(x)[0]`` / ``gru(x)[1]`` / ``lstm(x)[1][0]``."""

    def __init__(self, shapes: Shapes) -> None:
        self.shapes = shapes
        self.ctx = shapes.ctx
        self.values = shapes.values

    def shape(self, expr: ast.Subscript, depth: int) -> Shape | None:
        found = recurrent_item(expr)
        if found is None:
            return None
        call, path = found
        func = call.func
        if isinstance(func, ast.Call):  # `nn.GRU(8, 4)(x)`
            built: list[ast.AST] = [func]
        elif isinstance(func, (ast.Name, ast.Attribute)) and self.ctx.qualname(func) is None:
            built = self.values.constructors(func)
        else:
            return None
        if not built or not all(
            isinstance(c, ast.Call)
            and self.ctx.qualname(c.func) in RECURRENT
            and keyword(c, "proj_size") is None
            and len(c.args) <= _BIDIRECTIONAL + 1
            for c in built
        ):
            return None  # (a projection changes h_n's width and out's)
        return join([self.output(c, call, path, depth) for c in built if isinstance(c, ast.Call)])

    def output(self, layer: ast.Call, call: ast.Call, path: tuple[int, ...], depth: int) -> Shape | None:
        lstm = self.ctx.qualname(layer.func) == "torch.nn.LSTM"
        state = path in ((1, 0), (1, 1)) if lstm else path == (1,)
        if path != (0,) and not state:
            return None  # an LSTM's item 1 is the tuple (h_n, c_n)
        given = self.shapes.shape(call.args[0], depth + 1)
        if given is None or not given.exact or len(given.dims) not in (2, 3):
            return None
        hidden = self.values.widths.width(
            layer.args[1] if len(layer.args) > 1 else keyword(layer, "hidden_size"), layer
        )
        size: Dim = hidden[0] if hidden is not None else None
        directions = self.flag(layer, "bidirectional", _BIDIRECTIONAL)
        count: Dim = 2 if directions is True else 1 if directions is False else None
        name = self.ctx.qualname(layer.func) or ""
        step = Step(layer, f"`nn.{name.rsplit('.', 1)[-1]}` with hidden size {size} created here")
        steps = (*given.steps[-3:], *(hidden[1] if hidden is not None else ()), step)
        if path == (0,):  # (..., D * H): the input's leading dimensions
            width: Dim = size * count if size is not None and count is not None else None
            if width is None and size is not None and size > 1:
                width = ROWS  # more than one value per step whatever D is
            return Shape((*given.dims[:-1], width), True, steps)
        layers_given = layer.args[_NUM_LAYERS] if len(layer.args) > _NUM_LAYERS else keyword(layer, "num_layers")
        found = self.values.widths.width(layers_given, layer) if layers_given is not None else (1, ())
        layers: Dim = found[0] * count if found is not None and count is not None else None
        if len(given.dims) == 2:  # unbatched: (D * num_layers, H)
            return Shape((layers, size), True, steps)
        first = self.flag(layer, "batch_first", _BATCH_FIRST)
        batch = given.dims[0] if first is True else given.dims[1] if first is False else join_dim(*given.dims[:2])
        return Shape((layers, batch, size), True, steps)

    def flag(self, layer: ast.Call, name: str, at: int) -> bool | None:
        """A constructor's boolean argument: its literal value, False where it is not given, None
        where it is given as something else (a configuration's value)."""
        given = layer.args[at] if len(layer.args) > at else keyword(layer, name)
        if given is None:
            return False
        return given.value if isinstance(given, ast.Constant) and isinstance(given.value, bool) else None
