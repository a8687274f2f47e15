"""Proofs that a tensor has more (or fewer) than one element (PTL202).

``backward()`` without a gradient needs exactly one element. The flow engine knows no shapes,
so this proves ``numel != 1`` from what the code states: a factory with literal sizes
(``torch.randn(8, 3)``), a tensor literal with several items, an ``nn.Linear`` with a literal
``out_features > 1``, a loss with ``reduction="none"`` (``_losses.py``), and ops that keep the
property: elementwise arithmetic (broadcasting with a tensor of ``numel != 1`` never yields one
element), activations, reshapes, dtype and device moves. Where these end (a reduction over some
dimensions, ``torch.cat`` / ``torch.stack``, an item of a returned dict or tuple), the shapes the
code states decide (``_shapes.py``). A full reduction (``.sum()``, ``.mean()``), an index or
anything unknown ends the proof: no finding.

The parts: ``_values.py`` (what a name holds), ``_returns.py`` (what a call returns),
``_config.py`` (strings a configuration gives), ``_losses.py``, ``_shapes.py`` and
``_layer_shapes.py`` (shapes), ``_shape_lattice.py`` (their lattice), ``_shape_vocab.py`` (torch's
names), ``_literals.py`` (syntax).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import local_function, returned_values
from pt_lsp.core.flow.autograd import keyword
from pt_lsp.core.flow.values import Step
from pt_lsp.rules.autograd._attribute_values import reaching_attribute
from pt_lsp.rules.autograd._branches import reachable
from pt_lsp.rules.autograd._config import Config
from pt_lsp.rules.autograd._literals import (
    counted,
    int_literal,
    int_sizes,
    item_key,
    number,
    reduces_last_dim,
    sizes_text,
)
from pt_lsp.rules.autograd._losses import Losses
from pt_lsp.rules.autograd._returns import Returns
from pt_lsp.rules.autograd._shape_lattice import MAX_DEPTH, Answers, Evidence, proof_all, proof_either
from pt_lsp.rules.autograd._shape_project import ProjectProvers
from pt_lsp.rules.autograd._shape_vocab import (
    CONVS,
    ELEMENTWISE,
    ELEMENTWISE_LOSS_MODULES,
    FUNCTION_PREFIXES,
    JOINS,
    LAST_DIM_REDUCTIONS,
    LIKE,
    MODULE_WRAPPERS,
    RECURRENT,
    RETURNS_SELF,
    ROW_LOSS_MODULES,
    ROW_LOSSES,
    SHAPE_KEEPING,
    SIZED_FACTORIES,
    TENSOR_LITERALS,
    UNARY_SAME_SHAPE,
    UNREDUCED_LOSSES,
    WRAPPERS,
)
from pt_lsp.rules.autograd._shapes import Shapes
from pt_lsp.rules.autograd._values import Values

if TYPE_CHECKING:
    from pt_lsp.core.flow.units import Unit

ATTENTION = "torch.nn.MultiheadAttention"  # (attn_output, attn_weights): the output as wide as embed_dim


class NonScalar:
    """``proves(expr)``: the tensor ``expr`` provably has ``numel != 1``; ``evidence(expr)``:
    the places that decide it (a factory's sizes, a layer's width, ``reduction="none"``)."""

    def __init__(self, ctx: FileContext, elsewhere: ProjectProvers | None = None, unit: Unit | None = None) -> None:
        self.ctx = ctx
        self.unit = unit  # the project's other file this prover reads (None: the analysed file)
        self.elsewhere = elsewhere or ProjectProvers(self)  # the provers of the project's other files
        self.values = Values(ctx)
        self.returns = Returns(ctx, self.values)
        self.config = Config(ctx, self.values)
        self.shapes = Shapes(self)
        self.losses = Losses(self, self.values, self.config)
        self.values.callers = lambda function, name: self.elsewhere.callers(self, function, name)
        self._memos: dict[tuple[str, int, tuple[int, ...]], Evidence] = {}
        self._outputs: Answers[tuple[int, int, bool, tuple[int, ...]], tuple[Step, ...]] = Answers()

    def proves(self, expr: ast.AST, depth: int = 0) -> bool:
        return self.evidence(expr, depth) is not None

    def evidence(self, expr: ast.AST, depth: int = 0) -> Evidence:
        return self._memo("evidence", expr, depth, self._evidence)

    def _memo(self, kind: str, expr: ast.AST, depth: int, compute: Callable[[ast.AST, int], Evidence]) -> Evidence:
        """Each expression is read once per module-call context: an expression that names the
        same value several times (``h * h + h * h``) would otherwise be read again per mention,
        exponentially in the depth. A failure found deep down is kept (a proof may be lost,
        never made up)."""
        if depth > MAX_DEPTH:
            return None
        if self.elsewhere.active:  # an expression of another file (an argument, a returned value): its prover's
            owner = self.elsewhere.owner(expr, self)
            if owner is not self:
                return owner.leading(expr, depth) if kind == "leading" else owner.evidence(expr, depth)
        key = (kind, id(expr), self.values.context)
        if key not in self._memos:
            self._memos[key] = None  # a cycle reads as no proof
            self._memos[key] = compute(expr, depth)
        return self._memos[key]

    def _evidence(self, expr: ast.AST, depth: int) -> Evidence:
        if isinstance(expr, ast.Name):
            return self.named(expr, depth)
        if isinstance(expr, ast.BinOp):
            if isinstance(expr.op, ast.MatMult):
                return self.shaped(expr, depth)  # only the operands' shapes decide a matrix product
            return proof_either(self.evidence(expr.left, depth + 1), self.evidence(expr.right, depth + 1))
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
            return self.evidence(expr.operand, depth + 1)
        if isinstance(expr, ast.IfExp):  # either branch may run: both must prove it
            return proof_all([self.evidence(expr.body, depth + 1), self.evidence(expr.orelse, depth + 1)])
        if isinstance(expr, ast.Call):
            found = self.call(expr, depth)
            return found if found is not None else self.shaped(expr, depth)
        if isinstance(expr, ast.Attribute) and expr.attr in ("values", "indices") and isinstance(expr.value, ast.Call):
            chosen = self.selected(expr.value, depth)  # `t.topk(5).values`
            if chosen is not None:
                return chosen
        if isinstance(expr, ast.Attribute) and expr.attr in ("T", "mT"):  # a transpose keeps its elements
            return self.evidence(expr.value, depth + 1)
        if isinstance(expr, ast.Attribute):  # `self.loss_D = ...` then `self.loss_D.backward()`
            stored = reaching_attribute(self.ctx, expr)
            return self.evidence(stored, depth + 1) if stored is not None else None
        key = item_key(expr)
        if isinstance(expr, ast.Subscript) and key in (0, 1) and isinstance(expr.value, ast.Call):
            chosen = self.selected(expr.value, depth)  # `hard, _ = losses.topk(8)`
            if chosen is not None:
                return chosen
        if isinstance(expr, ast.Subscript) and key is not None:
            recurrent = self.recurrent(expr.value, key)
            if recurrent is not None:
                return recurrent
            # `model(x)["loss"]`, `model(x)[0]`: the item of the dict or tuple the model returns
            items = self.returns.dict_item(expr.value, key, depth + 1, lambda v: self.evidence(v, depth + 2))
            items = items or self.elsewhere.items(
                self, expr.value, key, depth + 1, lambda v: self.evidence(v, depth + 2)
            )
            if items:
                return proof_all(items)
        if isinstance(expr, ast.Subscript):  # `out[0, c]` of a tensor of known shape
            return self.shaped(expr, depth)
        return None

    def named(self, name: ast.Name, depth: int) -> Evidence:
        """Every value that reaches ``name`` proves it. A sum started at a number (``loss = 0``, then
        ``loss += term`` or ``loss = loss + term`` in a loop) is read as its terms: a number has no
        ``backward``, so the tensor one runs on holds at least one term, each of which must prove it."""
        values = self.values.of(name)
        if any(number(v) is not None for v in values):
            rest = [v for v in values if number(v) is None]
            terms = self.values.accumulated(name)
            if (rest or terms) and all(_adds_to(v, name.id) for v in rest):
                return proof_all([self.evidence(v, depth + 1) for v in (*rest, *terms)])
        return proof_all([self.evidence(v, depth + 1) for v in values])

    def selected(self, call: ast.Call, depth: int) -> Evidence:
        """The values (or indices) of ``t.topk(k)`` / ``torch.topk(t, k)``: ``k`` of them along one
        dimension, so 0 or at least ``k`` elements, never one for ``k`` above one; of ``t.sort()`` /
        ``torch.sort(t)``: as many as ``t`` has."""
        func = call.func
        qualname = self.ctx.qualname(func)
        name = qualname.rsplit(".", 1)[-1] if qualname in ("torch.topk", "torch.sort") else None
        if qualname is None and isinstance(func, ast.Attribute) and func.attr in ("topk", "sort"):
            name, tensor, rest = func.attr, func.value, call.args
        elif name is not None and call.args:
            tensor, rest = call.args[0], call.args[1:]
        else:
            return None
        if name == "sort":
            return self.evidence(tensor, depth + 1)
        k = rest[0] if rest else keyword(call, "k")
        count = self.shapes.size_value(k, depth + 1) if k is not None else None
        if count is None or count < 2:
            return None
        return (Step(call, f"`topk` of {count} values along one dimension here"),)

    def recurrent(self, container: ast.expr, key: str | int) -> Evidence:
        """``out, h = self.lstm(x)``: an RNN's output (item 0) holds ``hidden_size`` values per step
        and sample (twice that bidirectional), a GRU's or RNN's ``h_n`` (item 1) as many per layer
        and sample (an LSTM's ``h_n`` and ``c_n``, items 0 and 1 of its item 1, likewise): never
        one element for a hidden size above one. A multi-head attention's output
        (item 0) holds ``embed_dim`` values per query position likewise."""
        state = isinstance(container, ast.Subscript) and item_key(container) == 1  # `lstm(x)[1][0]`: h_n
        if state:
            assert isinstance(container, ast.Subscript)
            container = container.value
        if key not in (0, 1) or not isinstance(container, ast.Call):
            return None
        func = container.func
        if isinstance(func, ast.Call):  # `nn.LSTM(8, 4)(x)`
            constructors: list[ast.AST] = [func]
        elif isinstance(func, (ast.Name, ast.Attribute)) and self.ctx.qualname(func) is None:
            constructors = self.values.constructors(func)
        else:
            return None
        proofs: list[Evidence] = []
        for built in constructors:
            qualname = self.ctx.qualname(built.func) if isinstance(built, ast.Call) else None
            if isinstance(built, ast.Call) and qualname == ATTENTION and key == 0 and not state:
                # `out, weights = attn(q, k, v)`: `embed_dim` values per query position and sample
                embed = built.args[0] if built.args else keyword(built, "embed_dim")
                found = self.values.widths.width(embed, built)
                if found is None or found[0] < 2:
                    return None
                proofs.append((*found[1], Step(built, f"`nn.MultiheadAttention` of width {found[0]} created here")))
                continue
            if not isinstance(built, ast.Call) or qualname not in RECURRENT or keyword(built, "proj_size") is not None:
                return None
            if (key == 1 and qualname == "torch.nn.LSTM" and not state) or (state and qualname != "torch.nn.LSTM"):
                return None  # (h_n, c_n): a tuple; h_n and c_n have `hidden_size` values per layer and sample
            hidden = built.args[1] if len(built.args) > 1 else keyword(built, "hidden_size")
            found = self.values.widths.width(hidden, built)
            if found is None or found[0] < 2:
                return None
            name = qualname.rsplit(".", 1)[-1]
            proofs.append((*found[1], Step(built, f"`nn.{name}` with hidden size {found[0]} created here")))
        return proof_all(proofs)

    def shaped(self, expr: ast.AST, depth: int) -> Evidence:
        """A shape the code states with a dimension other than one (``t.view(n, -1).sum(dim=1)``,
        ``torch.stack((a, b))``, ``torch.cat([x, y])``)."""
        shape = self.shapes.shape(expr)  # a depth of its own: shapes follow longer chains than proofs
        if shape is None or not shape.several():
            return None
        return shape.steps or (Step(expr, "more than one element here"),)

    def call(self, call: ast.Call, depth: int) -> Evidence:
        func = call.func
        qualname = self.ctx.qualname(func)
        if qualname is not None:  # torch's function, else one of another file (`token_loss(logits, ids)`)
            return self.function(qualname, call, depth) or self.elsewhere.returned(self, call, depth)
        if isinstance(func, ast.Attribute):
            if func.attr in LAST_DIM_REDUCTIONS and reduces_last_dim(call):
                # `(p * z).sum(dim=-1)`: one value per row of the operand
                return self.leading(func.value, depth + 1)
            if func.attr in ELEMENTWISE:
                broadcast_with = call.args[:1] if func.attr in ("mul", "add", "sub", "div") else []
                return proof_either(
                    self.evidence(func.value, depth + 1), *(self.evidence(a, depth + 1) for a in broadcast_with)
                )
            if func.attr == "gather":  # `x.gather(dim, index)` has the shape of `index`
                index = call.args[1] if len(call.args) > 1 else keyword(call, "index")
                return self.evidence(index, depth + 1) if index is not None else None
            if func.attr == "forward":
                return self.module_output(func.value, call, depth)
            method = self.returns.self_method(call)
            returns = returned_values(method) if method is not None else None
            cls = self.ctx.enclosing_class(call)
            instance = self.values.instance_of(cls)
            info = self.ctx.class_info(cls) if cls is not None and instance is not None else None
            if returns is not None and instance is not None and info is not None:
                returns = reachable(self.ctx, info, instance, returns)  # `self._reduce(x)` by `self.reduction`
            if method is not None and returns is not None:  # `self.compute_loss(out, y)`: what it returns
                if self.values.inside(method):
                    return proof_all([self.evidence(r, depth + 1) for r in returns])
                with self.values.calling(method, call):  # its parameters hold this call's arguments
                    return proof_all([self.evidence(r, depth + 1) for r in returns])
            found = self.returns.instance_method(call)  # `model.compute_loss(x, y)` of a local class
            returned_by = returned_values(found[1]) if found is not None else None
            owner = self.ctx.parent(found[1]) if found is not None else None
            info = self.ctx.class_info(owner) if isinstance(owner, ast.ClassDef) else None
            if found is not None and returned_by and info is not None:
                returned_by = reachable(self.ctx, info, found[0], returned_by)
            if found is not None and returned_by and not self.values.inside(found[1]):
                with self.values.reading(found[0], call), self.values.calling(found[1], call):
                    return proof_all([self.evidence(r, depth + 1) for r in returned_by])
        if isinstance(func, ast.Name) and func.id == "sum" and self.ctx.names.binding("sum", func) is None:
            # the builtin `sum([a, b])` is `0 + a + b`: one term of numel != 1 makes the result so
            terms = self.shapes.parts(call, depth) if len(call.args) == 1 and not call.keywords else None
            return proof_either(*(self.evidence(t, depth + 1) for t in terms)) if terms else None
        helper = self.returns.helper(call)  # `byol_loss(p, z)`: what the helper returns for these arguments
        returned = returned_values(helper) if helper is not None else None
        if helper is not None and returned and not self.values.inside(helper):
            with self.values.calling(helper, call):
                return proof_all([self.evidence(r, depth + 1) for r in returned])
        if isinstance(func, ast.Name) and helper is None:  # `from .losses import token_loss`
            returned_there = self.elsewhere.returned(self, call, depth)
            if returned_there is not None:
                return returned_there
        bound = self.values.of(func) if isinstance(func, ast.Name) else []
        for _ in range(2):  # `train(model, sq, ...)` with `sq = lambda ...`: the name passed, then its value
            bound = self.values.of(bound[0]) if len(bound) == 1 and isinstance(bound[0], ast.Name) else bound
        if len(bound) == 1 and isinstance(bound[0], ast.Lambda) and not self.values.inside(bound[0]):
            with self.values.calling(bound[0], call):  # `loss_fn = lambda a, b: (a - b) ** 2`
                return self.evidence(bound[0].body, depth + 1)
        if isinstance(func, (ast.Name, ast.Attribute, ast.Subscript)):  # (`losses["bce"](p, y)`: a dict's item)
            return self.module_output(func, call, depth)
        if isinstance(func, ast.Call):  # nn.Linear(4, 2)(x), model.eval()(x)
            return self.constructed_output(func, call, depth)
        return None

    def function(self, qualname: str, call: ast.Call, depth: int) -> Evidence:
        args = call.args
        if qualname in SIZED_FACTORIES or qualname == "torch.full":
            size = keyword(call, "size")
            if qualname == "torch.full":
                sizes = int_sizes(args[:1]) if args else None
            else:
                sizes = int_sizes(args) or int_sizes([size] if size is not None else [])
            if sizes is None or math.prod(sizes) == 1:
                return None
            return (Step(call, f"created with shape {sizes_text(sizes)} here: {math.prod(sizes)} elements"),)
        if qualname == "torch.randint":  # randint(low, high, size) / randint(high, size)
            size = keyword(call, "size") or (args[-1] if len(args) >= 2 else None)
            sizes = int_sizes([size]) if isinstance(size, (ast.Tuple, ast.List)) else None
            if sizes is None or math.prod(sizes) == 1:
                return None
            return (Step(call, f"created with shape {sizes_text(sizes)} here: {math.prod(sizes)} elements"),)
        if qualname in TENSOR_LITERALS and args and isinstance(args[0], (ast.List, ast.Tuple)):
            count = len(args[0].elts)
            return (Step(call, f"created with {count} elements here"),) if count != 1 else None
        if qualname in ("torch.linspace", "torch.arange"):
            length = counted(qualname, args)
            return (Step(call, f"created with {length} elements here"),) if length not in (None, 1) else None
        if qualname == "torch.where" and len(args) == 3:  # broadcast: an operand of numel != 1 decides
            return proof_either(*(self.evidence(a, depth + 1) for a in args))
        if qualname == "torch.gather":  # torch.gather(input, dim, index): the shape of `index`
            index = args[2] if len(args) > 2 else keyword(call, "index")
            return self.evidence(index, depth + 1) if index is not None else None
        if qualname in LIKE or qualname in WRAPPERS:
            return self.evidence(args[0], depth + 1) if args else None
        if qualname in ("torch.cat", "torch.concat") or qualname in JOINS:
            # sizes of parts that are each 0 or at least 2 add up to 0 or at least 2
            parts = self.shapes.parts(call, depth)
            return proof_all([self.evidence(p, depth + 1) for p in parts]) if parts else None
        name = qualname.rsplit(".", 1)[-1]
        if qualname.startswith(FUNCTION_PREFIXES) and (name in UNREDUCED_LOSSES or name in ROW_LOSSES):
            return self.losses.unreduced(call, call, call.args[:2], name in ROW_LOSSES, depth)
        if qualname.startswith(FUNCTION_PREFIXES) and name in ELEMENTWISE:
            return proof_either(*(self.evidence(a, depth + 1) for a in args[:2]))
        if qualname in ("torch.max", "torch.min") and len(args) == 2 and not call.keywords:
            return self.extreme(args[0], args[1], depth)
        return None

    def extreme(self, first: ast.expr, second: ast.expr, depth: int) -> Evidence:
        """``torch.max(zero, ps1 - ps2 + margin)``: a tensor where a dim would be makes it the
        elementwise maximum of the two, broadcast; either operand proves it (a proof or a shape
        tells the second from an int dim)."""
        if self.shapes.integer(second, depth):
            return None
        proved = self.evidence(second, depth + 1)
        if proved is None and self.shapes.shape(second) is not None:
            proved = self.evidence(first, depth + 1)
        return proved

    def module_output(self, callee: ast.expr, call: ast.Call, depth: int) -> Evidence:
        return proof_all([self.constructed_output(c, call, depth) for c in self.values.constructors(callee)])

    def constructed_output(self, constructor: ast.AST, call: ast.Call, depth: int, rows: bool = True) -> Evidence:
        """The output of the module ``constructor`` builds, called by ``call``; ``rows``: the
        call's input reaches that module with its rows (not through a layer that changes them).
        Each question once per context, cycles cut (``Answers``)."""
        key = (id(constructor), id(call), rows, self.values.context)
        return self._outputs.ask(key, lambda: self._constructed_output(constructor, call, depth, rows))

    def _constructed_output(self, constructor: ast.AST, call: ast.Call, depth: int, rows: bool) -> Evidence:
        self.ctx.budget.check()  # the server's time budget, as the flow engine checks it
        if self.elsewhere.active:  # `criterion` of main.py passed to engine.py's `train`: its prover's
            owner = self.elsewhere.owner(constructor, self)
            if owner is not self:
                return owner.constructed_output(constructor, call, depth, rows)
        if isinstance(constructor, ast.Name) and depth <= MAX_DEPTH:  # `self.net = net`: what `net` holds
            values = self.values.of(constructor)
            if values:
                return proof_all([self.constructed_output(v, call, depth + 1, rows) for v in values])
            function = self.returns.function_named(constructor)  # `self.criterion = rank_loss`
            returned = returned_values(function) if function is not None else None
            if function is None or not returned or self.values.inside(function):
                return None
            with self.values.calling(function, call):
                return proof_all([self.evidence(r, depth + 1) for r in returned])
        if isinstance(constructor, ast.IfExp) and depth <= MAX_DEPTH:  # `nn.L1Loss(...) if l1 else nn.MSELoss(...)`
            branches = (constructor.body, constructor.orelse)
            return proof_all([self.constructed_output(b, call, depth + 1, rows) for b in branches])
        if isinstance(constructor, ast.Subscript) and depth <= MAX_DEPTH:  # `criterion = LOSSES["mse"]`
            items = self.values.constructors(constructor)  # the item of a dict display never changed
            return proof_all([self.constructed_output(v, call, depth + 1, rows) for v in items]) if items else None
        if not isinstance(constructor, ast.Call) or depth > MAX_DEPTH:
            return None
        func = constructor.func
        qualname = self.ctx.qualname(func)
        if qualname is None and isinstance(func, ast.Attribute) and func.attr in RETURNS_SELF:
            receiver = func.value  # model.eval(), model.to(device): the same module
            if isinstance(receiver, ast.Call):
                return self.constructed_output(receiver, call, depth + 1)
            return self.module_output(receiver, call, depth + 1)
        if qualname in MODULE_WRAPPERS:  # `nn.DataParallel(net)`: net's output
            wrapped = constructor.args[0] if constructor.args else keyword(constructor, "module")
            if isinstance(wrapped, ast.Call):
                return self.constructed_output(wrapped, call, depth + 1)
            return self.module_output(wrapped, call, depth + 1) if isinstance(wrapped, ast.expr) else None
        if qualname == "torch.nn.Linear":
            width = constructor.args[1] if len(constructor.args) > 1 else keyword(constructor, "out_features")
            found = self.values.widths.width(width, constructor)
            if found is None or found[0] < 1:
                return None
            out, steps = found
            if out == 1:  # one value per row of the input: (N, in) -> (N, 1)
                batch = self.leading(call.args[0], depth + 1) if call.args and rows else None
                return (
                    (*batch, Step(constructor, "`nn.Linear` with 1 output feature per row created here"))
                    if batch
                    else None
                )
            return (*steps, Step(constructor, f"`nn.Linear` with {out} output features created here"))
        if qualname == "torch.nn.Embedding":  # (*ids, dim): ids.numel() * dim elements, never one for dim > 1
            found = self.values.widths.width(
                constructor.args[1] if len(constructor.args) > 1 else keyword(constructor, "embedding_dim"), constructor
            )
            if found is None or found[0] < 2:
                return None
            size, steps = found
            return (*steps, Step(constructor, f"`nn.Embedding` of {size} dimensions created here"))
        if qualname in CONVS:  # out_channels > 1: N * C * ... elements, never one
            channels = constructor.args[1] if len(constructor.args) > 1 else keyword(constructor, "out_channels")
            count = int_literal(channels)
            if count is None or count <= 1:
                return None
            return (Step(constructor, f"`{qualname.rsplit('.', 1)[-1]}` with {count} output channels created here"),)
        if qualname in SHAPE_KEEPING:
            return self.evidence(call.args[0], depth + 1) if call.args else None
        if qualname == "torch.nn.Sequential" and constructor.args:
            layers = list(constructor.args)
            while layers and isinstance(layers[-1], ast.Call) and self.ctx.qualname(layers[-1].func) in SHAPE_KEEPING:
                layers.pop()
            if not layers:
                return None
            last = layers[-1]
            # a one-output Linear counts the input's rows only where no layer before changes them
            return self.constructed_output(last, call, depth, all(self._keeps_rows(layer) for layer in layers))
        if isinstance(func, ast.Name) and qualname is None and func.id not in self.ctx.classes:
            function = local_function(self.ctx, constructor)  # `model = build_model()`
            returned = returned_values(function) if function is not None else None
            if returned:
                return proof_all([self.constructed_output(r, call, depth + 1) for r in returned])
        if qualname and qualname.startswith("torch.nn.") and qualname.endswith("Loss"):
            loss = qualname.rsplit(".", 1)[-1]
            if loss in ELEMENTWISE_LOSS_MODULES or loss in ROW_LOSS_MODULES:
                return self.losses.unreduced(constructor, call, call.args[:2], loss in ROW_LOSS_MODULES, depth)
            return None
        if qualname is None and isinstance(func, ast.Call):  # `getattr(nn, config.loss)(reduction=...)`
            chosen = self.config.chosen_loss(func)
            if chosen is not None:
                return self.losses.unreduced(constructor, call, call.args[:2], chosen in ROW_LOSS_MODULES, depth)
        if isinstance(func, ast.Name) and depth < MAX_DEPTH:
            info = self.ctx.classes.get(func.id)
            returns = self.returns.forward_returns(info) if info is not None and qualname is None else None
            if returns is not None and info is not None:
                returns = reachable(self.ctx, info, constructor, returns)  # `if self.reduction == "mean":`
                with self.values.reading(constructor, call):
                    return proof_all([self.evidence(r, depth + 1) for r in returns])
        if (qualname is not None or isinstance(func, ast.Name)) and depth < MAX_DEPTH:
            # `Classifier()` of models.py, `get_loss("bce")` of utils.py, `FocalLoss()` of `from .losses import ...`
            return self.elsewhere.module_output(self, constructor, call, depth)
        return None

    def _keeps_rows_all(self, module: ast.AST) -> bool:
        """A Linear, an activation, or a Sequential of them: the output keeps the input's rows."""
        if isinstance(module, ast.Call) and self.ctx.qualname(module.func) == "torch.nn.Sequential":
            return bool(module.args) and all(self._keeps_rows(layer) for layer in module.args)
        return self._keeps_rows(module)

    def _keeps_rows(self, layer: ast.AST) -> bool:
        """A layer whose output has the leading dimensions of its input (a Linear, an activation)."""
        return isinstance(layer, ast.Call) and self.ctx.qualname(layer.func) in SHAPE_KEEPING | {"torch.nn.Linear"}

    def leading(self, expr: ast.AST, depth: int) -> Evidence:
        """``expr`` is a factory result whose dimensions before the last have more (or fewer)
        than one element in all: ``torch.randn(5, 6)``, five rows for a ``Linear``."""
        return self._memo("leading", expr, depth, self._leading)

    def _leading(self, expr: ast.AST, depth: int) -> Evidence:
        if isinstance(expr, ast.Name):
            return proof_all([self.leading(v, depth + 1) for v in self.values.of(expr)])
        if isinstance(expr, ast.BinOp) and not isinstance(expr.op, ast.MatMult):
            # broadcasting only stretches size-1 dimensions: a row count other than 1 survives
            return proof_either(self.leading(expr.left, depth + 1), self.leading(expr.right, depth + 1))
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
            return self.leading(expr.operand, depth + 1)
        if not isinstance(expr, ast.Call):
            return None
        qualname = self.ctx.qualname(expr.func)
        if qualname in WRAPPERS and expr.args:
            return self.leading(expr.args[0], depth + 1)
        if qualname is None and isinstance(expr.func, ast.Attribute) and expr.func.attr in UNARY_SAME_SHAPE:
            return self.leading(expr.func.value, depth + 1)
        if (
            qualname is not None
            and qualname.startswith(FUNCTION_PREFIXES)
            and qualname.rsplit(".", 1)[-1] in UNARY_SAME_SHAPE
        ):
            return self.leading(expr.args[0], depth + 1) if expr.args else None  # F.normalize(p, dim=-1)
        if qualname is None and isinstance(expr.func, (ast.Name, ast.Attribute)) and expr.args:
            # `enc(x)` of a Linear (or an activation, or a Sequential of them): x's rows
            built = self.values.constructors(expr.func)
            if built and all(self._keeps_rows_all(c) for c in built):
                return self.leading(expr.args[0], depth + 1)
        sizes = int_sizes(expr.args) if qualname in SIZED_FACTORIES else None
        if sizes is None:  # `torch.randn(batch_size, dim)`, `torch.cat([x, t], dim=1)`: the shapes stated
            shape = self.shapes.shape(expr)
            rows = shape is not None and shape.exact and any(d is not None and d != 1 for d in shape.dims[:-1])
            return shape.steps if shape is not None and rows else None
        if sizes is None or len(sizes) < 2 or math.prod(sizes[:-1]) == 1:
            return None
        return (Step(expr, f"created with shape {sizes_text(sizes)} here: {math.prod(sizes[:-1])} rows"),)


def _adds_to(value: ast.AST, name: str) -> bool:
    """``name + term`` or ``term + name`` (or a difference): a sum that ``name`` accumulates."""
    if not (isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub))):
        return False
    return any(isinstance(side, ast.Name) and side.id == name for side in (value.left, value.right))
