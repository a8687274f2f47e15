"""The output shapes of layers, for PTL202: a torch layer maps the shape it is given (``nn.Linear``
keeps the leading dimensions, a convolution its batch, an activation all of it), a Sequential
chains its layers, a local module's output is what its ``forward`` returns for the call."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pt_lsp.core.evidence.reaching import local_function, returned_values
from pt_lsp.core.flow.autograd import keyword
from pt_lsp.core.flow.values import Step
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.autograd._literals import signed_int
from pt_lsp.rules.autograd._shape_lattice import MAX_SHAPE_DEPTH, Answers, Shape, join
from pt_lsp.rules.autograd._shape_vocab import ADAPTIVE_POOLS, CONVS, MODULE_WRAPPERS, RETURNS_SELF, SHAPE_KEEPING
from pt_lsp.rules.autograd._spatial import POOLS, upsampled, windowed

if TYPE_CHECKING:
    from pt_lsp.rules.autograd._shapes import Shapes


class LayerShapes:
    """``module(constructor, call)``: the output shape of the module ``constructor`` builds."""

    def __init__(self, shapes: Shapes) -> None:
        self.shapes = shapes
        self.prover = shapes.prover
        self.ctx = shapes.ctx
        self.values = shapes.values
        self.returns = shapes.returns
        self.outputs: Answers[tuple[int, int, tuple[int, ...]], Shape] = Answers()

    def module(self, constructor: ast.AST, call: ast.Call, depth: int) -> Shape | None:
        """The output shape of the module ``constructor`` builds, called by ``call``; each question
        once per context, cycles cut (``Answers``)."""
        if depth > MAX_SHAPE_DEPTH:
            return None
        key = (id(constructor), id(call), self.values.context)
        return self.outputs.ask(key, lambda: self._module(constructor, call, depth))

    def _module(self, constructor: ast.AST, call: ast.Call, depth: int) -> Shape | None:
        self.ctx.budget.check()  # the server's time budget, as the flow engine checks it
        if isinstance(constructor, ast.Name):
            values = self.values.of(constructor)
            if values:
                return join([self.module(v, call, depth + 1) for v in values])
            function = self.returns.function_named(constructor)  # `self.criterion = rank_loss`
            returned = returned_values(function) if function is not None else None
            if function is None or not returned or self.values.inside(function):
                return None
            with self.values.calling(function, call):
                return join([self.shapes.shape(r, depth + 1) for r in returned])
        if not isinstance(constructor, ast.Call):
            return None
        func = constructor.func
        qualname = self.ctx.qualname(func)
        first = call.args[0] if call.args else None
        if qualname is None and isinstance(func, ast.Attribute) and func.attr in RETURNS_SELF:
            receiver = func.value
            if isinstance(receiver, ast.Call):
                return self.module(receiver, call, depth + 1)
            built = self.values.constructors(receiver)
            return join([self.module(c, call, depth + 1) for c in built]) if built else None
        if qualname in MODULE_WRAPPERS:  # `nn.DataParallel(net)`: net's output
            wrapped = constructor.args[0] if constructor.args else keyword(constructor, "module")
            if isinstance(wrapped, ast.Call):
                return self.module(wrapped, call, depth + 1)
            built = self.values.constructors(wrapped) if isinstance(wrapped, (ast.Name, ast.Attribute)) else []
            return join([self.module(c, call, depth + 1) for c in built]) if built else None
        if qualname == "torch.nn.Linear" and first is not None:
            shape = self.shapes.shape(first, depth + 1)
            if shape is None or not shape.exact or not shape.dims:
                return None
            return self.linear(constructor, shape)
        if qualname in CONVS and first is not None:
            shape = self.shapes.shape(first, depth + 1)
            channels = self.channels(constructor)
            if shape is None or not shape.exact or channels is None:
                return None
            spatial = CONVS[qualname]
            step = Step(constructor, f"`{qualname.rsplit('.', 1)[-1]}` with {channels} output channels created here")
            sizes = windowed(constructor, qualname, shape.dims[-spatial:], pool=False) if shape.dims else ()
            if len(shape.dims) == spatial + 2:  # (N, C, ...): the batch stays
                return Shape((shape.dims[0], channels, *sizes), True, (*shape.steps, step))
            if len(shape.dims) == spatial + 1:  # unbatched
                return Shape((channels, *sizes), True, (step,))
            return None
        if (qualname in POOLS or qualname == "torch.nn.Upsample") and first is not None:
            shape = self.shapes.shape(first, depth + 1)
            return self.layer(constructor, shape, depth) if shape is not None else None
        if qualname in SHAPE_KEEPING and first is not None:
            return self.shapes.shape(first, depth + 1)
        if qualname == "torch.nn.Embedding" and first is not None:
            shape = self.shapes.shape(first, depth + 1)
            return self.layer(constructor, shape) if shape is not None else None
        if qualname == "torch.nn.Sequential" and constructor.args and first is not None:
            return self.chained(list(constructor.args), call, depth)
        if qualname and qualname.startswith("torch.nn.") and qualname.endswith("Loss"):
            return self.prover.losses.loss_shape(constructor, call, list(call.args[:2]), depth + 1)
        if isinstance(func, ast.Name) and qualname is None:
            info = self.ctx.classes.get(func.id)
            if info is not None and (info.is_module or info.method("__call__") is not None):
                returns = self.returns.forward_returns(info)
                if returns is None:
                    return None
                with self.values.reading(constructor, call):
                    return join([self.shapes.shape(r, depth + 1) for r in returns])
            helper = local_function(self.ctx, constructor)  # `model = build_model()`
            returned = returned_values(helper) if helper is not None else None
            if returned:
                return join([self.module(r, call, depth + 1) for r in returned])
        if qualname is not None or isinstance(func, ast.Name):  # a class or a module-building function of another file
            elsewhere = self.prover.elsewhere
            found = elsewhere.forward(
                self.prover, constructor, call, lambda there, rs: join([there.shapes.shape(r, depth + 1) for r in rs])
            )
            if found is not None:
                return found
            return elsewhere.function(
                self.prover,
                constructor,
                lambda there, rs: join([there.shapes.layers.module(r, call, depth + 1) for r in rs]),
            )
        return None

    def chained(self, layers: list[ast.expr], call: ast.Call, depth: int) -> Shape | None:
        """A Sequential: each layer's output is the next layer's input. Read as a chain of
        synthetic calls would need new nodes; instead each layer maps the shape it is given."""
        shape = self.shapes.shape(call.args[0], depth + 1) if call.args else None
        return self.folded(layers, shape, depth)

    def folded(self, layers: list[ast.expr], shape: Shape | None, depth: int) -> Shape | None:
        """``shape`` through ``layers`` in order; a layer may be a name bound to one (``features``)."""
        for layer in layers:
            if shape is not None and isinstance(layer, ast.Starred):  # `nn.Sequential(*blocks, head)`
                shape = self.listed(layer.value, shape)
                continue
            if isinstance(layer, ast.Name):  # `nn.Sequential(features, head)`: what `features` is bound to
                bound = self.values.of(layer)
                layer = bound[0] if len(bound) == 1 and isinstance(bound[0], ast.expr) else layer
            if shape is None or not isinstance(layer, ast.Call) or depth > MAX_SHAPE_DEPTH:
                return None
            shape = self.layer(layer, shape, depth + 1)
        return shape

    def channels(self, conv: ast.Call) -> int | None:
        """A convolution's ``out_channels``: a literal, or what the module being built passes down."""
        found = self.values.widths.width(conv.args[1] if len(conv.args) > 1 else keyword(conv, "out_channels"), conv)
        return found[0] if found is not None else None

    def linear(self, layer: ast.Call, shape: Shape) -> Shape:
        """``nn.Linear`` maps ``(..., in)`` to ``(..., out)``: the leading dimensions pass through
        whatever the width is (a width the code does not state leaves only the last one unknown)."""
        found = self.values.widths.width(
            layer.args[1] if len(layer.args) > 1 else keyword(layer, "out_features"), layer
        )
        out, steps = found if found is not None else (None, ())
        said = f"with {out} output features" if out is not None else "keeping the leading dimensions"
        return Shape(
            (*shape.dims[:-1], out), True, (*shape.steps, *steps, Step(layer, f"`nn.Linear` {said} created here"))
        )

    def listed(self, expr: ast.expr, shape: Shape) -> Shape | None:
        """The shape after the layers a list holds, in an order and a number the code may not state
        (``layers.append(...)`` in a loop): known where each is a ``Linear`` or an activation, which
        keep the leading dimensions (the last one is then unknown, unless no ``Linear`` is among them)."""
        layers = self.listed_layers(expr)
        if layers is None or not shape.exact or not shape.dims:
            return None
        kinds = {self.ctx.qualname(layer.func) for layer in layers}
        if not kinds <= SHAPE_KEEPING | {"torch.nn.Linear"}:
            return None
        if "torch.nn.Linear" not in kinds:
            return shape
        return Shape((*shape.dims[:-1], None), True, shape.steps)

    def listed_layers(self, expr: ast.expr) -> list[ast.Call] | None:
        """Every layer a local list can hold: its name is only bound to list displays of calls,
        grown by ``+=`` of such displays, ``.append(call)`` and ``.extend(display)``, and read to
        be unpacked; any other use (an argument, an item assignment) leaves it unknown."""
        if not isinstance(expr, ast.Name):
            return None
        scope = self.ctx.names.scope_of(expr).node
        arguments = getattr(scope, "args", None)
        if arguments is not None and any(a.arg == expr.id for a in ast.walk(arguments) if isinstance(a, ast.arg)):
            return None  # a parameter: what the callers pass
        found: list[ast.expr] = []
        for node in own_nodes(scope):
            if not (isinstance(node, ast.Name) and node.id == expr.id):
                continue
            parent = self.ctx.parent(node)
            if isinstance(node.ctx, ast.Store):
                if isinstance(parent, ast.Assign) and parent.targets == [node] and isinstance(parent.value, ast.List):
                    found.extend(parent.value.elts)
                elif isinstance(parent, ast.AugAssign) and isinstance(parent.value, ast.List):
                    found.extend(parent.value.elts)
                else:
                    return None
                continue
            grown = self.ctx.parent(parent) if isinstance(parent, ast.Attribute) else None
            if isinstance(parent, ast.Starred):
                continue
            if not (
                isinstance(grown, ast.Call) and grown.func is parent and len(grown.args) == 1 and not grown.keywords
            ):
                return None
            assert isinstance(parent, ast.Attribute)
            if parent.attr == "append":
                found.append(grown.args[0])
            elif parent.attr == "extend" and isinstance(grown.args[0], ast.List):
                found.extend(grown.args[0].elts)
            else:
                return None
        calls = [layer for layer in found if isinstance(layer, ast.Call)]
        return calls if found and len(calls) == len(found) else None

    def layer(self, layer: ast.Call, shape: Shape, depth: int = 0) -> Shape | None:
        qualname = self.ctx.qualname(layer.func)
        if qualname in SHAPE_KEEPING:
            return shape
        if not shape.exact:
            return None
        if qualname == "torch.nn.Sequential":  # a block of layers inside a Sequential
            return self.folded(list(layer.args), shape, depth)
        if qualname in ADAPTIVE_POOLS:  # (..., *spatial) -> (..., *output_size); None keeps a size
            spatial = ADAPTIVE_POOLS[qualname]
            given = layer.args[0] if layer.args else keyword(layer, "output_size")
            sizes = given.elts if isinstance(given, (ast.Tuple, ast.List)) else [given] * spatial
            if len(sizes) != spatial or len(shape.dims) <= spatial or given is None:
                return None
            out = [
                d if isinstance(s, ast.Constant) and s.value is None else signed_int(s)
                for s, d in zip(sizes, shape.dims[-spatial:])
            ]
            return Shape((*shape.dims[:-spatial], *out), True, shape.steps)
        if qualname == "torch.nn.Linear" and shape.dims:
            return self.linear(layer, shape)
        if qualname in CONVS:
            channels = self.channels(layer)
            spatial = CONVS[qualname]
            if channels is None or len(shape.dims) != spatial + 2:
                return None
            step = Step(layer, f"`{qualname.rsplit('.', 1)[-1]}` with {channels} output channels created here")
            convolved = windowed(layer, qualname, shape.dims[2:], pool=False)
            return Shape((shape.dims[0], channels, *convolved), True, (*shape.steps, step))
        if qualname in POOLS:  # (..., *spatial): each size through the window
            spatial = POOLS[qualname]
            if len(shape.dims) <= spatial or keyword(layer, "return_indices") is not None or len(layer.args) > 4:
                return None  # `return_indices=True` gives a tuple
            pooled = windowed(layer, qualname, shape.dims[-spatial:], pool=True)
            return Shape((*shape.dims[:-spatial], *pooled), True, shape.steps)
        if qualname == "torch.nn.Upsample" and len(shape.dims) >= 3:  # (N, C, *spatial)
            scaled = upsampled(layer, shape.dims[2:])
            return Shape((*shape.dims[:2], *scaled), True, shape.steps) if scaled is not None else None
        if qualname == "torch.nn.Embedding":  # ids of any shape -> (*ids, dim)
            found = self.values.widths.width(
                layer.args[1] if len(layer.args) > 1 else keyword(layer, "embedding_dim"), layer
            )
            size, steps = found if found is not None else (None, ())
            step = Step(layer, f"`nn.Embedding` of {size} dimensions created here" if size else "`nn.Embedding` here")
            return Shape((*shape.dims, size), True, (*shape.steps, *steps, step))
        if qualname == "torch.nn.Flatten" and not layer.args and not layer.keywords and shape.dims:
            return Shape((shape.dims[0], None), True, shape.steps)
        return None
