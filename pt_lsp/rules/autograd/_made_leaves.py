"""What makes a fresh *leaf* tensor that requires grad (PTL203, PTL205; ``_leaves.py`` reads
what an expression is): a factory or ``Variable`` given ``requires_grad=True``, an
``nn.Parameter``, ``requires_grad_()`` on a new tensor without grad, a helper of the file that
returns only such leaves.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property

from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import call_site_arguments, local_function, reaching_values, returned_values
from pt_lsp.core.flow.values import Step
from pt_lsp.core.vocabulary import FACTORIES
from pt_lsp.rules.autograd._frozen_parameters import _keyword, _literal

PARAMETER = "torch.nn.Parameter"
VARIABLE = "torch.autograd.Variable"
# In-place methods that keep a fresh tensor a leaf when chained onto its factory.
INIT_METHODS = {
    "normal_",
    "uniform_",
    "fill_",
    "zero_",
    "requires_grad_",
    "random_",
    "exponential_",
    "bernoulli_",
    "copy_",
    "share_memory_",
}
# Tensor methods whose result requires grad only where their receiver does.
KEEPS_NO_GRAD = frozenset(
    "clone float double half bfloat16 contiguous view reshape t flatten squeeze unsqueeze permute transpose "
    "cpu cuda to long int".split()
)


@dataclass(frozen=True)
class Leaf:
    """A leaf that requires grad: ``origin`` is "parameter" or "tensor"; ``factory`` is the
    factory call with ``requires_grad=True`` that made it, where there is exactly one;
    ``steps`` are the places that made it a leaf that requires grad (its evidence path)."""

    origin: str
    factory: ast.Call | None = None
    steps: tuple[Step, ...] = field(default=(), compare=False)
    view: bool = False  # a name bound to a view of the leaf (``b = w.view(3, -1)``)
    held: bool = False  # reached through an object a method's class holds (``self.param.pdfvec``)


class LeafMaker:
    """``made_leaf(expr)``: the leaf that requires grad ``expr`` builds, memoised per node and depth."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._made: dict[tuple[int, int], Leaf | None] = {}
        self._fresh: dict[tuple[int, int], bool] = {}

    def made_leaf(self, expr: ast.AST, depth: int = 0) -> Leaf | None:
        """``expr`` builds a fresh leaf that requires grad. Once per node and depth: a helper's
        returns are asked again from each of its calls."""
        if not self._makes_leaves:
            return None
        key = (id(expr), depth)
        if key not in self._made:
            self._made[key] = self._made_leaf(expr, depth)
        return self._made[key]

    @cached_property
    def _makes_leaves(self) -> bool:
        """Whether a call of the file can make a fresh leaf: ``.requires_grad_()``, an
        ``nn.Parameter``, a factory or ``Variable`` given ``requires_grad=``. Without one no
        expression of the file builds a leaf (a helper's returns are the file's calls too), and
        :meth:`made_leaf` answers without its walks. "Parameter" is spelt by whatever names it."""
        parameter = "Parameter" in self.ctx.doc.text
        for call in self.ctx.index.of(ast.Call):
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr == "requires_grad_":
                return True
            if parameter or any(k.arg == "requires_grad" for k in call.keywords):
                qualname = self.ctx.qualname(func)
                if qualname == PARAMETER or (
                    (qualname == VARIABLE or qualname in FACTORIES)
                    and any(k.arg == "requires_grad" for k in call.keywords)
                ):
                    return True
        return False

    def _made_leaf(self, expr: ast.AST, depth: int) -> Leaf | None:
        grad_: ast.Call | None = None
        while (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr in INIT_METHODS
            and self.ctx.qualname(expr.func) is None
        ):
            if expr.func.attr == "requires_grad_":
                flag = expr.args[0] if expr.args else _keyword(expr, "requires_grad")
                if flag is not None and not _literal(flag, True):
                    return None
                grad_ = grad_ or expr
            expr = expr.func.value
        by_method = (Step(grad_, "made a leaf that requires grad by `requires_grad_()` here"),) if grad_ else ()
        if (
            grad_
            and not (isinstance(expr, ast.Call) and self.ctx.qualname(expr.func))
            and self._fresh_without_grad(expr)
        ):
            # `(torch.randn(n) * std).requires_grad_()`, `x[:, k].clone().float().requires_grad_()` of
            # a tensor without grad, `y.detach().requires_grad_()`: a new leaf
            return Leaf("tensor", steps=by_method)
        if not isinstance(expr, ast.Call):
            return None
        qualname = self.ctx.qualname(expr.func)
        if qualname == PARAMETER:
            flag = _keyword(expr, "requires_grad")
            if flag is None or _literal(flag, True):
                return Leaf("parameter", steps=(Step(expr, "created as an `nn.Parameter` here: it requires grad"),))
            return None
        if qualname == VARIABLE or qualname in FACTORIES:
            flag = _keyword(expr, "requires_grad")
            if _literal(flag, True):
                return Leaf("tensor", expr, (Step(expr, "created with `requires_grad=True` here"),))
            copied = self._copied_flag(flag)
            if copied is not None:
                return Leaf("tensor", expr, (Step(expr, f"created with `requires_grad={copied}` here: True"),))
            return Leaf("tensor", steps=by_method) if grad_ else None
        if qualname is None and depth < 3:  # `init_params(...)`: a helper returning a fresh leaf
            function = local_function(self.ctx, expr)
            returned = returned_values(function) if function is not None else None
            leaves = [self.made_leaf(r, depth + 1) for r in returned or ()]
            if leaves and all(leaves) and len({leaf.origin for leaf in leaves if leaf is not None}) == 1:
                first = leaves[0]
                assert first is not None
                return Leaf(first.origin, steps=(*first.steps, Step(expr, "returned by this call")))
        if grad_ and isinstance(expr.func, ast.Attribute) and expr.func.attr in ("detach", "clone"):
            inner = expr.func.value
            if expr.func.attr == "detach" or (
                isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "detach"
            ):
                return Leaf("tensor", steps=by_method)
        return None

    def _copied_flag(self, flag: ast.expr | None) -> str | None:
        """``requires_grad=data.requires_grad`` where the analysis shows ``data`` requires grad
        there (a buffer preallocated for a function's output, ncnet #12): the flag's text."""
        if not (isinstance(flag, ast.Attribute) and flag.attr == "requires_grad"):
            return None
        base = self.ctx.flow.value(flag.value)
        return ast.unparse(flag) if base.is_tensor and base.requires_grad is True else None

    def _fresh_without_grad(self, expr: ast.AST, depth: int = 0) -> bool:
        """Arithmetic of numbers and fresh factory tensors made without ``requires_grad``: a new
        tensor that does not require grad (``requires_grad_()`` then makes it a leaf)."""
        key = (id(expr), depth)
        if key not in self._fresh:
            self._fresh[key] = self._is_fresh_without_grad(expr, depth)
        return self._fresh[key]

    def _is_fresh_without_grad(self, expr: ast.AST, depth: int) -> bool:
        if depth > 6:
            return False
        if isinstance(expr, ast.BinOp):
            sides = (expr.left, expr.right)
            return all(self._fresh_without_grad(e, depth + 1) for e in sides) and any(
                not isinstance(e, (ast.Constant, ast.Name)) for e in sides
            )
        if isinstance(expr, ast.UnaryOp):
            return self._fresh_without_grad(expr.operand, depth + 1)
        if isinstance(expr, ast.Constant):
            return isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool)
        if isinstance(expr, ast.Name):  # a number or a tensor: only the values that reach it tell
            values = reaching_values(self.ctx, expr) or call_site_arguments(self.ctx, expr)
            return bool(values) and all(self._fresh_without_grad(v, depth + 1) for v in values or ())
        if isinstance(expr, ast.Subscript):
            return self._fresh_without_grad(expr.value, depth + 1)
        if isinstance(expr, ast.Call):
            qualname = self.ctx.qualname(expr.func)
            if qualname in FACTORIES and qualname != "torch.as_tensor":  # as_tensor(t) may return t itself
                return _keyword(expr, "requires_grad") is None
            if qualname == "torch.from_numpy":  # a new tensor over an array's memory: never requires grad
                return True
            if qualname is None and isinstance(expr.func, ast.Attribute):
                if expr.func.attr == "detach":
                    return True
                if expr.func.attr in KEEPS_NO_GRAD:
                    return self._fresh_without_grad(expr.func.value, depth + 1)
        return False
