"""Losses, for PTL202: the shape a loss gives with its ``reduction`` (one value when reduced;
with ``reduction="none"`` one per element of the broadcast inputs, or one per sample for a
classification or embedding loss), and the proofs that such a loss has more than one element.
A batch of unknown size counts as several rows unless an input visibly holds one sample."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pt_lsp.core.flow.autograd import keyword
from pt_lsp.core.flow.values import Step
from pt_lsp.rules.autograd._config import Config
from pt_lsp.rules.autograd._literals import flattened, int_sizes, number, single_literal, sizes_text
from pt_lsp.rules.autograd._shape_lattice import MAX_DEPTH, ROWS, Evidence, Shape, proof_all, proof_either
from pt_lsp.rules.autograd._shape_vocab import (
    ELEMENTWISE_LOSS_MODULES,
    ROW_LOSS_MODULES,
    ROW_LOSSES,
    SIZED_FACTORIES,
    UNARY_SAME_SHAPE,
    UNREDUCED_LOSSES,
)
from pt_lsp.rules.autograd._values import Values

if TYPE_CHECKING:
    from pt_lsp.rules.autograd._nonscalar import NonScalar


class Losses:
    """``unreduced(...)``: the proof that a ``reduction="none"`` loss keeps several values;
    ``loss_shape(...)``: the shape a loss gives; ``rows(...)``: an input with several rows."""

    def __init__(self, prover: NonScalar, values: Values, config: Config) -> None:
        self.prover = prover
        self.ctx = prover.ctx
        self.values = values
        self.config = config
        self._single: dict[tuple[int, tuple[int, ...]], bool] = {}

    def unreduced(self, where: ast.Call, loss: ast.Call, inputs: list[ast.expr], per_row: bool, depth: int) -> Evidence:
        """A loss with ``reduction="none"`` (made by ``where``) on ``inputs``: one value per
        element (per row for a classification loss). Proven where an input has more than one
        element, or, for an elementwise loss, where no input is a literal single element."""
        kept = "sample" if per_row else "element"
        reduction, legacy = keyword(where, "reduction"), keyword(where, "reduce")
        if self.config.names_none(reduction):
            assert reduction is not None
            step = Step(reduction, f'`reduction="none"` here: the loss keeps one value per {kept}')
        elif isinstance(legacy, ast.Constant) and legacy.value is False:
            # The pre-1.0 spelling, still accepted, and it wins over `reduction=` (torch 2.13).
            step = Step(legacy, f"`reduce=False` here: the loss keeps one value per {kept}")
        else:
            return None
        proof = proof_either(*(self.prover.evidence(a, depth + 1) for a in inputs))
        if proof is not None and not per_row:
            return (*proof, step)
        if per_row:  # the input, or the target: both have one row per sample
            batch = proof_either(
                *(self.rows(a, depth + 1) for a in inputs[:1]),
                *(self.rows(a, depth + 1, target=True) for a in inputs[1:2]),
            )
            if batch is not None:
                return (*batch, step)
            shape = self.loss_shape(where, loss, inputs, depth + 1)
            return shape.steps if shape is not None and shape.several() else None
        if inputs and not any(single_literal(a) for a in inputs):
            return (step,)
        return None

    def reduction_step(self, where: ast.Call, per_row: bool) -> Step | None:
        """The place that makes the loss ``where`` builds keep one value per element (per row)."""
        kept = "sample" if per_row else "element"
        reduction, legacy = keyword(where, "reduction"), keyword(where, "reduce")
        if self.config.names_none(reduction):
            assert reduction is not None
            return Step(reduction, f'`reduction="none"` here: the loss keeps one value per {kept}')
        if isinstance(legacy, ast.Constant) and legacy.value is False:
            return Step(legacy, f"`reduce=False` here: the loss keeps one value per {kept}")
        return None

    def loss_shape(self, where: ast.Call, loss: ast.Call, inputs: list[ast.expr], depth: int) -> Shape | None:
        """The shape of the loss ``where`` builds (a module or a function), applied by ``loss`` to
        ``inputs``: reduced, one value; with ``reduction="none"``, the broadcast inputs, or for a
        classification loss its batch (the input without its class dimension). A batch of unknown
        size counts as several rows unless an input visibly holds one sample (``x[i]``,
        ``x.unsqueeze(0)``, a literal)."""
        name = (self.ctx.qualname(where.func) or "").rsplit(".", 1)[-1]
        per_row = name in ROW_LOSSES or name in ROW_LOSS_MODULES
        if not (per_row or name in UNREDUCED_LOSSES or name in ELEMENTWISE_LOSS_MODULES):
            return None
        step = self.reduction_step(where, per_row)
        if step is None:
            reduction, legacy = keyword(where, "reduction"), keyword(where, "reduce")
            plain = reduction is None or (
                isinstance(reduction, ast.Constant) and reduction.value in ("mean", "sum", "batchmean")
            )
            return Shape((), True) if plain and legacy is None else None
        if not per_row:
            shape = self.prover.shapes.broadcast_all(inputs, depth)
            return Shape(shape.dims, True, (*shape.steps, step)) if shape is not None else None
        given = self.prover.shapes.shape(inputs[0], depth + 1) if inputs else None
        if given is not None and given.exact:
            dims = given.dims[:1] + given.dims[2:] if len(given.dims) >= 2 else ()
            return Shape(dims, True, (*given.steps, step))
        target = self.prover.shapes.shape(inputs[1], depth + 1) if len(inputs) > 1 else None
        if target is not None and target.exact:
            return Shape(target.dims[:1], not target.dims, (*target.steps, step))
        if not inputs or any(self.single_sample(a, depth + 1) for a in inputs[:2]):
            return None
        return Shape((ROWS,), False, (step,))

    def single_sample(self, expr: ast.AST, depth: int) -> bool:
        """``expr`` visibly holds one sample: an integer index (``logits[i]``), ``x.unsqueeze(0)``,
        ``x[None]``, ``x.view(1, -1)``, a number or ``torch.tensor(<number>)``, a ``.item()``."""
        if depth > MAX_DEPTH:
            return False
        owner = self.prover.elsewhere.owner(expr, self.prover) if self.prover.elsewhere.active else self.prover
        if owner is not self.prover:  # an argument of another file's call: read where it is bound
            return owner.losses.single_sample(expr, depth)
        key = (id(expr), self.values.context)
        if key not in self._single:
            self._single[key] = False  # a cycle reads as not single (the memo keeps it linear)
            self._single[key] = self._single_sample(expr, depth)
        return self._single[key]

    def _single_sample(self, expr: ast.AST, depth: int) -> bool:
        if isinstance(expr, ast.Name):
            return any(self.single_sample(v, depth + 1) for v in self.values.of(expr))
        if single_literal(expr):
            return True
        if isinstance(expr, ast.Subscript):
            parts = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
            first = parts[0] if parts else None
            return not isinstance(first, ast.Slice) or (isinstance(first, ast.Constant) and first.value is None)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            attr, args = expr.func.attr, expr.args
            if attr == "unsqueeze" and args and number(args[0]) == 0 or attr == "item":
                return True
            if attr in ("view", "reshape", "expand") and args:
                first_size = args[0].elts[0] if isinstance(args[0], (ast.Tuple, ast.List)) and args[0].elts else args[0]
                return number(first_size) == 1
            if attr in UNARY_SAME_SHAPE or attr in ("long", "int", "float", "to", "cuda"):
                return self.single_sample(expr.func.value, depth + 1)
        if isinstance(expr, ast.Call):
            qualname = self.ctx.qualname(expr.func) or ""
            literal = expr.args[0] if expr.args and qualname.startswith("torch.") else None
            if isinstance(literal, (ast.List, ast.Tuple)) and len(literal.elts) == 1:
                return True  # `torch.LongTensor([action])`: one row
            # a model or helper given one sample (`policy(state.unsqueeze(0))`) returns one; a
            # tensor method's arguments are not samples (`x.permute(0, 2, 1)`)
            model = isinstance(expr.func, ast.Name) or (
                isinstance(expr.func, ast.Attribute)
                and isinstance(expr.func.value, ast.Name)
                and expr.func.value.id == "self"
            )
            samples = [a for a in expr.args[:2] if not isinstance(a, ast.Constant)]
            return model and not qualname and any(self.single_sample(a, depth + 1) for a in samples)
        return False

    def rows(self, expr: ast.AST, depth: int, target: bool = False) -> Evidence:
        """``expr`` is a factory result with more than one row: the input of a classification
        loss (at least two dimensions) or its target (one class index per row: one dimension is
        enough), which keep one value per row."""
        if depth > MAX_DEPTH:
            return None
        owner = self.prover.elsewhere.owner(expr, self.prover) if self.prover.elsewhere.active else self.prover
        if owner is not self.prover:
            return owner.losses.rows(expr, depth, target)
        if isinstance(expr, ast.Name):
            return proof_all([self.rows(v, depth + 1, target) for v in self.values.of(expr)])
        if not isinstance(expr, ast.Call):
            return None
        if target and flattened(expr):  # `labels.view(-1)`: one row per element
            return self.prover.evidence(expr.func.value, depth + 1) if isinstance(expr.func, ast.Attribute) else None
        qualname = self.ctx.qualname(expr.func)
        sizes = None
        if qualname in SIZED_FACTORIES:
            sizes = int_sizes(expr.args)
        elif qualname == "torch.randint":  # randint(low, high, size) / randint(high, size)
            size = keyword(expr, "size") or (expr.args[-1] if len(expr.args) >= 2 else None)
            sizes = int_sizes([size]) if isinstance(size, (ast.Tuple, ast.List)) else None
        if sizes is not None and len(sizes) >= (1 if target else 2) and sizes[0] != 1:
            return (Step(expr, f"created with shape {sizes_text(sizes)} here: {sizes[0]} rows"),)
        return None
