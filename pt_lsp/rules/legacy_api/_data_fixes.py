"""Fixes of PTL102: `.data` reads become `.detach()`, updates move under `torch.no_grad()`.

Updates on adjacent lines share one `with` block. Every finding in a block carries the very same
fix (identical edits), so applying all fixes of a round applies the block once.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from pt_lsp.core import vocabulary
from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Span
from pt_lsp.core.edits import body_containing, no_grad_block, source_of, statement_index
from pt_lsp.core.evidence.tensors import GRAD, TensorEvidence
from pt_lsp.core.findings import Applicability, Edit, Fix

NO_GRAD_CONTEXTS = vocabulary.GRAD_MODE_OFF
# Consuming a read at once: the result cannot be changed in place through it later.
SAFE_ATTRIBUTES = {"shape", "dtype", "device", "ndim", "is_cuda", "requires_grad"}
SAFE_METHODS = {
    "item",
    "tolist",
    "numpy",
    "size",
    "dim",
    "numel",
    "clone",
    "max",
    "min",
    "argmax",
    "argmin",
    "sum",
    "mean",
    "std",
    "var",
    "norm",
    "abs",
    "eq",
    "ne",
    "gt",
    "lt",
    "ge",
    "le",
    "topk",
    "sort",
    "exp",
    "log",
    "sqrt",
    "pow",
    "equal",
    "allclose",
    "any",
    "all",
    "nonzero",
    "softmax",
    "sigmoid",
    "tanh",
}
PASS_METHODS = {
    "cpu",
    "cuda",
    "to",
    "view",
    "reshape",
    "squeeze",
    "unsqueeze",
    "float",
    "double",
    "long",
    "int",
    "half",
    "t",
    "permute",
    "transpose",
    "contiguous",
    "flatten",
    "view_as",
    "reshape_as",
    "type_as",
    "expand_as",
}
OPERAND_METHODS = {
    "add",
    "sub",
    "mul",
    "div",
    "matmul",
    "mm",
    "bmm",
    "dot",
    "pow",
    "view_as",
    "expand_as",
    "type_as",
    "reshape_as",
    "masked_fill",
    "where",
    "dist",
    "lerp",
}
SAFE_FUNCTIONS = {
    "builtins.float",
    "builtins.int",
    "builtins.print",
    "builtins.len",
    "builtins.str",
    "builtins.bool",
} | {
    f"torch.{n}"
    for n in SAFE_METHODS
    | {
        "cat",
        "stack",
        "matmul",
        "mm",
        "zeros_like",
        "ones_like",
        "empty_like",
        "full_like",
        "rand_like",
        "randn_like",
        "randint_like",
    }
}
ELEMENTWISE = {
    "clamp",
    "clamp_min",
    "clamp_max",
    "clip",
    "sign",
    "abs",
    "neg",
    "exp",
    "log",
    "sqrt",
    "rsqrt",
    "sigmoid",
    "tanh",
    "relu",
    "mul",
    "add",
    "sub",
    "div",
    "pow",
    "where",
    "lerp",
    "round",
    "floor",
    "ceil",
    "renorm",
    "masked_fill",
    "maximum",
    "minimum",
    "addcmul",
    "addcdiv",
    "mul_",
    "add_",
}
_SHAPE_ATTRIBUTES = {"T", "mT", "H", "mH", "real", "imag"}
_DATA_SUFFIX = re.compile(r"\s*\.\s*data")
_RANK = {Applicability.DISPLAY_ONLY: 0, Applicability.UNSAFE: 1, Applicability.SAFE: 2}


class DataAccess(Protocol):
    """One `.data` attribute access, as PTL102 finds it (``tensor_data_attribute.Access``)."""

    @property
    def node(self) -> ast.Attribute: ...  # the `.data` attribute

    @property
    def kind(self) -> str: ...  # evidence kind of the tensor it is taken of (grad / leaf / tensor)

    @property
    def role(self) -> str: ...  # read / update / assign

    @property
    def stmt(self) -> ast.stmt: ...

    @property
    def base(self) -> ast.AST: ...


def _weakest(values: Iterable[Applicability]) -> Applicability:
    return min(values, key=_RANK.__getitem__)


def drop_data(ctx: FileContext, access: DataAccess) -> Edit | None:
    """Delete the `.data` of ``access`` (None where a comment or odd text sits in between)."""
    span = Span(ctx.doc.node_span(access.base).end, ctx.doc.node_span(access.node).end)
    if not _DATA_SUFFIX.fullmatch(ctx.doc.slice(span)):
        return None
    return Edit.delete(span)


# -- reads ------------------------------------------------------------------------------------------
def consumed_at_once(ctx: FileContext, access: DataAccess) -> bool:
    """The read feeds something that makes a new value (`.item()`, arithmetic, `torch.max`)."""
    if access.kind == GRAD:
        return True  # a .grad is saved by no graph (unless create_graph=True)
    current: ast.AST = access.node
    while True:
        parent = ctx.parent(current)
        if isinstance(parent, (ast.BinOp, ast.UnaryOp, ast.Compare)):
            return True
        if isinstance(parent, ast.Subscript) and parent.value is current:
            current = parent
            continue
        if isinstance(parent, ast.Call) and any(a is current for a in parent.args):
            if isinstance(parent.func, ast.Attribute) and _consumes_argument(parent.func.attr):
                return True  # `pred.eq(t.data)`, `p.copy_(q.data)`: an operand, not kept
            return _function_name(ctx, parent.func) in SAFE_FUNCTIONS
        if not (isinstance(parent, ast.Attribute) and parent.value is current):
            return False
        if parent.attr in SAFE_ATTRIBUTES:
            return True
        call = ctx.parent(parent)
        if not (isinstance(call, ast.Call) and call.func is parent):
            return False
        if parent.attr in SAFE_METHODS:
            return True
        if parent.attr not in PASS_METHODS:
            return False
        current = call


def _to_python(ctx: FileContext, node: ast.AST) -> bool:
    parent = ctx.parent(node)
    call = ctx.parent(parent) if parent is not None else None
    return (
        isinstance(parent, ast.Attribute)
        and parent.attr in ("item", "tolist")
        and isinstance(call, ast.Call)
        and call.func is parent
        and not call.args
    )


def _consumes_argument(method: str) -> bool:
    """A tensor method that only reads its tensor argument (``set_`` would alias it)."""
    return (
        method in SAFE_METHODS
        or method in OPERAND_METHODS
        or (method.endswith("_") and not method.startswith("_") and method != "set_")
    )


def _function_name(ctx: FileContext, func: ast.AST) -> str | None:
    if isinstance(func, ast.Name) and ctx.names.binding(func.id, func) is None:
        return f"builtins.{func.id}"  # not bound in the file: a builtin
    return ctx.qualname(func)


def scalar_index(ctx: FileContext, access: DataAccess, evidence: TensorEvidence) -> ast.Subscript | None:
    """``loss.data[0]`` of a loss backwarded without arguments: PyTorch < 0.4 idiom for a
    Python number, an IndexError on today's 0-dim losses; ``loss.item()`` is what it meant."""
    parent = ctx.parent(access.node)
    if (
        isinstance(parent, ast.Subscript)
        and parent.value is access.node
        and isinstance(parent.slice, ast.Constant)
        and parent.slice.value == 0
        and (evidence.is_scalar_loss(access.base) or zero_dim(ctx, access.base))
        and not isinstance(parent.ctx, (ast.Store, ast.Del))
    ):
        return parent
    return None


# Functional losses whose result is 0-dim unless told not to reduce (`reduction="none"`, `reduce=False`).
REDUCING_LOSSES = frozenset(
    "cross_entropy nll_loss mse_loss l1_loss smooth_l1_loss huber_loss binary_cross_entropy "
    "binary_cross_entropy_with_logits kl_div soft_margin_loss multilabel_soft_margin_loss".split()
)


def zero_dim(ctx: FileContext, node: ast.AST) -> bool:
    """A call whose result is a 0-dim tensor today: a functional loss left to reduce
    (``F.cross_entropy(out, y).data[0]``), or a sum or mean of every element (``x.sum()``)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in ("sum", "mean") and not node.args and not node.keywords:
        return True
    qualname = ctx.qualname(func) or ""
    if not qualname.startswith("torch.nn.functional.") or qualname.rsplit(".", 1)[1] not in REDUCING_LOSSES:
        return False
    for keyword in node.keywords:
        if keyword.arg == "reduce" or (
            keyword.arg == "reduction"
            and not (isinstance(keyword.value, ast.Constant) and keyword.value.value in ("mean", "sum"))
        ):
            return False
    return len(node.args) <= 2


def read_fix(ctx: FileContext, accesses: Sequence[DataAccess], evidence: TensorEvidence) -> Fix | None:
    edits = []
    for access in accesses:
        deletion = drop_data(ctx, access)
        if deletion is None:
            return None
        indexed = scalar_index(ctx, access, evidence)
        if indexed is not None:
            edits.append(Edit(Span(deletion.span.start, ctx.doc.node_span(indexed).end), ".item()"))
            continue
        # `.data.item()` is `.item()`: a Python number either way.
        edits.append(deletion if _to_python(ctx, access.node) else Edit(deletion.span, ".detach()"))
    safe = all(consumed_at_once(ctx, a) or scalar_index(ctx, a, evidence) for a in accesses)
    to_item = all(scalar_index(ctx, a, evidence) for a in accesses)
    title = "Replace `.data[0]` with `.item()`" if to_item else "Replace `.data` with `.detach()`"
    return Fix(title, tuple(edits), Applicability.SAFE if safe else Applicability.UNSAFE)


# -- updates ----------------------------------------------------------------------------------------
def _casts(value: ast.AST) -> bool:
    """``value`` is a dtype or device conversion (``x.float()``, ``x.to(device)``), which a ``copy_``
    into the old tensor would undo (audit-5: guided-diffusion's fp32 conversion)."""
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr in vocabulary.TENSOR_CONVERSIONS
    )


def shape_preserving(ctx: FileContext, base: ast.AST, value: ast.AST) -> bool:
    """``value`` is an elementwise function of ``base`` (so `copy_` can take the storage swap's place)."""
    base_text = source_of(ctx, base)
    mentions = False
    for node in ast.walk(value):
        if (
            isinstance(node, (ast.Name, ast.Attribute))
            and source_of(ctx, node) in (base_text, f"{base_text}.data")
            and _whole_operand(ctx, node)
        ):
            mentions = True
        if isinstance(node, ast.Attribute) and node.attr in _SHAPE_ATTRIBUTES:
            return False
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else (ctx.qualname(func) or "").rsplit(".", 1)[-1]
            if name not in ELEMENTWISE:
                return False
        elif not isinstance(
            node,
            (
                ast.BinOp,
                ast.UnaryOp,
                ast.Constant,
                ast.Name,
                ast.Attribute,
                ast.keyword,
                ast.expr_context,
                ast.operator,
                ast.unaryop,
            ),
        ):
            return False
    return mentions


def _whole_operand(ctx: FileContext, node: ast.AST) -> bool:
    """``node`` is used as a tensor itself, not as the prefix of another attribute (``p._fp_param``)."""
    parent = ctx.parent(node)
    if not (isinstance(parent, ast.Attribute) and parent.value is node):
        return True
    call = ctx.parent(parent)
    return parent.attr == "data" or (isinstance(call, ast.Call) and call.func is parent)


def inside_no_grad(ctx: FileContext, node: ast.AST) -> bool:
    current = ctx.parent(node)
    while current is not None:
        if isinstance(current, (ast.With, ast.AsyncWith)):
            for item in current.items:
                context = item.context_expr
                if isinstance(context, ast.Call) and ctx.qualname(context.func) in NO_GRAD_CONTEXTS:
                    return True
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return any(
                ctx.qualname(d.func if isinstance(d, ast.Call) else d) in NO_GRAD_CONTEXTS
                for d in current.decorator_list
            )
        if isinstance(current, (ast.Lambda, ast.ClassDef)):
            return False
        current = ctx.parent(current)
    return False


@dataclass
class StatementPlan:
    edits: list[Edit]  # inside the statement
    applicability: Applicability
    wrap: bool  # needs a `with torch.no_grad():` around it
    title: str


class UpdateFixes:
    """Plans the fixes of every statement that updates a tensor through `.data` in one file."""

    def __init__(self, ctx: FileContext, accesses: Iterable[DataAccess]) -> None:
        self.ctx = ctx
        self.by_statement: dict[int, list[DataAccess]] = {}
        for access in accesses:
            self.by_statement.setdefault(id(access.stmt), []).append(access)
        self.updates = {key: group for key, group in self.by_statement.items() if any(a.role != "read" for a in group)}
        # The statements that can be fixed, with their plans.
        self.plans = {
            key: plan for key, group in self.updates.items() if (plan := self.plan(group[0].stmt, group)) is not None
        }
        self.blocks: dict[int, list[Fix]] = {}
        self._build_blocks()

    def is_update_statement(self, stmt: ast.stmt) -> bool:
        return id(stmt) in self.updates

    def fixes_for(self, stmt: ast.stmt) -> list[Fix]:
        plan = self.plans.get(id(stmt))
        if plan is None:
            return []
        if plan.wrap:
            return self.blocks.get(id(stmt), [])
        return [Fix(plan.title, tuple(plan.edits), plan.applicability)]

    # -- one statement ------------------------------------------------------------------------------
    def plan(self, stmt: ast.stmt, accesses: list[DataAccess]) -> StatementPlan | None:
        ctx = self.ctx
        assign = next((a for a in accesses if a.role == "assign"), None)
        if assign is not None:
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and stmt.targets[0] is assign.node):
                return None
            if _casts(stmt.value):
                return None  # `w.data = w.data.float()` swaps in another dtype or device: copy_ keeps the old one
        elif not isinstance(stmt, (ast.Expr, ast.Assign, ast.AugAssign)) or (
            isinstance(stmt, ast.Assign) and len(stmt.targets) != 1
        ):
            return None
        if isinstance(stmt, ast.AugAssign) and any(
            a.node is stmt.target and not isinstance(a.base, (ast.Name, ast.Attribute, ast.Subscript)) for a in accesses
        ):
            return None  # `b.detach().data -= g` without `.data` would assign to a call
        edits: list[Edit] = []
        for access in accesses:
            if access is assign:
                continue
            deletion = drop_data(ctx, access)
            if deletion is None:
                return None
            edits.append(deletion)
        updating = [a for a in accesses if a.role != "read"]
        safe = all(a.kind in ("leaf", GRAD) for a in updating)
        applicability = Applicability.SAFE if safe else Applicability.UNSAFE
        title = "Update the tensor under `torch.no_grad()` instead of through `.data`"
        if assign is not None:
            base_text = source_of(ctx, assign.base)
            head = Span(ctx.doc.node_span(assign.node).start, ctx.doc.node_span(stmt.value).start)
            edits += [Edit(head, f"{base_text}.copy_("), Edit.insert(ctx.doc.node_span(stmt.value).end, ")")]
            if not shape_preserving(ctx, assign.base, stmt.value):
                applicability = Applicability.DISPLAY_ONLY  # a storage swap: shape/device/dtype may change
            title = "Copy into the tensor under `torch.no_grad()` instead of assigning `.data`"
        only_grads = assign is None and all(a.kind == GRAD for a in accesses)
        if only_grads:
            title = "Drop `.data`: update `.grad` itself"
        elif inside_no_grad(ctx, stmt):
            title = "Drop `.data` (already under `torch.no_grad()`)"
        wrap = not only_grads and not inside_no_grad(ctx, stmt)
        return StatementPlan(edits, applicability, wrap, title)

    # -- blocks of adjacent updates ---------------------------------------------------------------------
    def _build_blocks(self) -> None:
        runs: list[list[ast.stmt]] = []
        positions: dict[int, tuple[int, int]] = {}
        for key, plan in self.plans.items():
            if not plan.wrap:
                continue
            stmt = self.updates[key][0].stmt
            body = body_containing(self.ctx, stmt)
            if body is None:
                continue
            positions[key] = (id(body), statement_index(self.ctx, stmt))
            runs.append([stmt])
        runs.sort(key=lambda run: positions[id(run[0])])
        merged: list[list[ast.stmt]] = []
        for run in runs:
            body_id, index = positions[id(run[0])]
            if merged:
                last_body, last_index = positions[id(merged[-1][-1])]
                # Only updates of one applicability share a block: a display-only storage swap
                # must not hold a safe update back (nor a safe one make an unsafe one look safe).
                same = self.plans[id(merged[-1][-1])].applicability is self.plans[id(run[0])].applicability
                if last_body == body_id and last_index + 1 == index and same:
                    merged[-1].append(run[0])
                    continue
            merged.append(run)
        for members in merged:
            self._block_fix(members)

    def _block_fix(self, members: list[ast.stmt]) -> None:
        plans = [self.plans[id(s)] for s in members]
        target = self._lift(members)
        edits = no_grad_block(self.ctx, target, [e for p in plans for e in p.edits])
        if edits is None:
            return
        fix = Fix(
            plans[0].title
            if len(plans) == 1
            else "Update the tensors under `torch.no_grad()` instead of through `.data`",
            tuple(edits),
            _weakest(p.applicability for p in plans),
        )
        for stmt in members:
            self.blocks[id(stmt)] = [fix]

    def _lift(self, members: list[ast.stmt]) -> list[ast.stmt]:
        """A loop whose whole body is these updates goes under `no_grad` as a whole."""
        target = members
        while True:
            parent = self.ctx.parent(target[0])
            if not isinstance(parent, ast.For) or parent.orelse or len(parent.body) != len(target):
                return target
            if not _plain_iterable(parent.iter):
                return target
            target = [parent]


def _plain_iterable(node: ast.AST) -> bool:
    """An iterable whose evaluation makes no tensors (so running it under no_grad changes nothing)."""
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in {
            "parameters",
            "named_parameters",
            "modules",
            "named_modules",
            "children",
            "zip",
            "enumerate",
            "range",
            "items",
            "values",
            "keys",
        } and all(_plain_iterable(a) for a in node.args if not isinstance(a, ast.Constant))
    return isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Constant))
