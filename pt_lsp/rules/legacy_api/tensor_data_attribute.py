"""PTL102: `.data` on a tensor, parameter or `.grad`, which bypasses autograd."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from pt_lsp.core import vocabulary
from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.tensors import GRAD, TENSOR, TensorEvidence
from pt_lsp.core.findings import Finding, Severity
from pt_lsp.core.rule import Rule
from pt_lsp.core.torch_imports import own_tensor_class
from pt_lsp.core.walk import attr_path
from pt_lsp.rules.legacy_api._data_fixes import UpdateFixes, read_fix, scalar_index

# In-place methods reached through `.data` (and the views on the way to them).
NOT_UPDATES = vocabulary.IN_PLACE_NOT_WRITING
VIEW_METHODS = {
    "view",
    "view_as",
    "narrow",
    "select",
    "t",
    "transpose",
    "squeeze",
    "unsqueeze",
    "diagonal",
    "flatten",
    "unflatten",
    "reshape",
    "permute",
    "expand",
    "as_strided",
}
READ, UPDATE, ASSIGN = "read", "update", "assign"


@dataclass(frozen=True)
class Access:
    node: ast.Attribute  # the `.data` attribute
    kind: str  # evidence kind of the tensor it is taken of (grad / leaf / tensor)
    role: str  # read / update / assign
    stmt: ast.stmt

    @property
    def base(self) -> ast.AST:
        return self.node.value


class TorchObjects:
    """Receivers that are plainly torch's modules, classes or ops (``torch.utils``, ``Tensor`` of
    ``from torch import Tensor``, ``aten = torch.ops.aten``): a path of attributes on a name bound
    only by imports and by assignments of such paths, in a file that assigns no prefix of the
    path. The flow engine would answer "a reference, not a tensor" for them too (it follows no
    ``torch*`` module), after analysing the whole function and its callers."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._stored: tuple[set[str], dict[str, list[ast.expr]], set[str]] | None = None

    def holds(self, expr: ast.AST) -> bool:
        path = attr_path(expr)
        if path is None or not self._torch(expr):
            return False
        others, aliases, paths = self.stored()
        parts = path.split(".")
        if any(".".join(parts[:n]) in paths for n in range(2, len(parts) + 1)):
            return False
        root = parts[0]
        if root in others:
            return False
        # `Tensor = torch.Tensor`: every value the name is given is itself a path on a name that
        # only imports bind
        return all(
            (value_path := attr_path(value)) is not None
            and value_path.split(".", 1)[0] not in others
            and value_path.split(".", 1)[0] not in aliases
            and self._torch(value)
            for value in aliases.get(root, ())
        )

    def _torch(self, expr: ast.AST) -> bool:
        qualname = self.ctx.qualname(expr)
        return qualname is not None and qualname.split(".", 1)[0] == "torch"

    def stored(self) -> tuple[set[str], dict[str, list[ast.expr]], set[str]]:
        """The names bound other than by an import or a plain ``name = a.path`` (assigned
        otherwise, looped over, parameters, definitions, ...), the values of those plain
        assignments by name, and the attribute paths assigned, anywhere in the file."""
        if self._stored is None:
            index = self.ctx.index
            aliases: dict[str, list[ast.expr]] = {}
            plain: set[int] = set()
            for assign in index.of(ast.Assign):
                target = assign.targets[0]
                if len(assign.targets) == 1 and isinstance(target, ast.Name) and attr_path(assign.value) is not None:
                    aliases.setdefault(target.id, []).append(assign.value)
                    plain.add(id(target))
            others = {n.id for n in index.of(ast.Name) if not isinstance(n.ctx, ast.Load) and id(n) not in plain}
            others.update(a.arg for a in index.of(ast.arg))
            others.update(name for g in index.of(ast.Global) for name in g.names)
            others.update(name for g in index.of(ast.Nonlocal) for name in g.names)
            others.update(d.name for d in index.of(ast.FunctionDef))
            others.update(d.name for d in index.of(ast.AsyncFunctionDef))
            others.update(d.name for d in index.of(ast.ClassDef))
            others.update(h.name for h in index.of(ast.ExceptHandler) if h.name)
            others.update(m.name for m in index.of(ast.MatchAs) if m.name)
            others.update(m.name for m in index.of(ast.MatchStar) if m.name)
            others.update(m.rest for m in index.of(ast.MatchMapping) if m.rest)
            paths = {
                path
                for a in index.of(ast.Attribute)
                if not isinstance(a.ctx, ast.Load) and (path := attr_path(a)) is not None
            }
            self._stored = (others, aliases, paths)
        return self._stored


def _is_update_method(name: str) -> bool:
    return name.endswith("_") and not name.startswith("_") and name not in NOT_UPDATES


class TensorDataAttribute(Rule):
    """
    ## What it does
    Flags `.data` on a tensor, a parameter or a `.grad`: reads (`x.data`), in-place updates
    through it (`p.data.add_(...)`, `w.data.clamp_(...)`, `w.data[i] = 0`) and assignments
    (`w.data = expr`). The receiver must be known to be a tensor: a parameter, a tensor made by
    a torch factory, the loop variable of `for p in model.parameters()`, `m.weight`, `x.grad`,
    or a value the flow analysis follows. `.data` of a Dataset, a batch object, a NumPy array or
    an HTTP response is not reported.

    ## Why is this bad?
    `x.data` is a tensor that shares `x`'s storage but is invisible to autograd: an in-place
    change through it is not recorded and does not bump `x`'s version counter. When `x` was
    saved for the backward pass (by `sigmoid`, `exp`, a multiplication, ...), the gradient is
    then computed from the changed values, silently wrong, where `x.detach()` or an update under
    `torch.no_grad()` makes autograd raise "one of the variables needed for gradient computation
    has been modified by an inplace operation". `.data` is a leftover of the `Variable` API.

    ## Example
    ```python
    for p in model.parameters():
        p.data.add_(p.grad.data, alpha=-lr)
    features = encoder(x).data
    w.grad.data.zero_()
    ```

    ## Use instead
    ```python
    with torch.no_grad():
        for p in model.parameters():
            p.add_(p.grad, alpha=-lr)
    features = encoder(x).detach()
    w.grad.zero_()
    ```

    ## Fix safety
    Updates (`p.data.add_(...)`, `w.data -= ...`, `w.data[i] = v`) become the same update on
    the tensor under `with torch.no_grad():` (adjacent updates share one block; inside an
    existing `no_grad` block `.data` is simply dropped). This is safe for parameters, `.grad`s
    and freshly made tensors: the values computed are the same, and the only new behaviour is an
    error where the old code silently corrupted a gradient. For other tensors (possibly graph
    nodes) it is unsafe. `x.grad.data.zero_()` becomes `x.grad.zero_()` (safe).
    `w.data = expr` becomes `w.copy_(expr)` under `no_grad` when `expr` is an elementwise
    function of `w` (same shape, dtype and device); otherwise it may be a storage swap to a new
    shape, device or dtype, which `copy_` cannot do, and the fix is display-only.
    A read `x.data` becomes `x.detach()`: the same values and storage. It is safe where the
    result is consumed at once (`.item()`, `.numpy()`, `.max(1)`, arithmetic, a `.grad`), and
    unsafe where it is kept: a later in-place change through it now raises instead of silently
    corrupting gradients.

    ## References
    - [Autograd mechanics: in-place operations](https://pytorch.org/docs/stable/notes/autograd.html#in-place-operations-with-autograd)
    - [PyTorch 0.4 migration guide: what about .data?](https://pytorch.org/blog/pytorch-0_4_0-migration-guide/)
    - [torch.Tensor.detach](https://pytorch.org/docs/stable/generated/torch.Tensor.detach.html)
    """

    code = "PTL102"
    name = "tensor-data-attribute"
    summary = "`.data` on a tensor, parameter or `.grad`: bypasses autograd and can corrupt gradients"
    severity = Severity.WARNING

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ".data" not in ctx.doc.text:
            return
        evidence = TensorEvidence(ctx)
        accesses = list(self.accesses(ctx, evidence))
        if not accesses:
            return
        updates = UpdateFixes(ctx, accesses)
        by_line: dict[int, list[Access]] = {}
        for access in accesses:
            by_line.setdefault(ctx.doc.node_span(access.node).start.line, []).append(access)
        for line_accesses in by_line.values():
            first = line_accesses[0]
            statements = {id(a.stmt) for a in line_accesses}
            in_update = [a for a in line_accesses if updates.is_update_statement(a.stmt)]
            if in_update:
                fixes = updates.fixes_for(in_update[0].stmt) if len(statements) == 1 else []
                message = self.update_message(next((a for a in in_update if a.role != READ), in_update[0]))
            else:
                fix = read_fix(ctx, line_accesses, evidence)
                fixes = [fix] if fix is not None else []
                message = (
                    "`.data` bypasses autograd: changes made through it corrupt gradients silently; use `.detach()`"
                )
                scalar = [a for a in line_accesses if scalar_index(ctx, a, evidence)]
                if scalar:
                    # the pre-0.4 idiom for a loss's value: a loss is 0-dim today, and indexing it raises
                    what = "a loss: an IndexError since PyTorch 0.4 (the loss is"
                    base = scalar[0].base
                    if (
                        isinstance(base, ast.Call)
                        and isinstance(base.func, ast.Attribute)
                        and base.func.attr in ("sum", "mean")
                    ):
                        what = f"a full `.{base.func.attr}()`: an IndexError since PyTorch 0.4 (the result is"
                    message = f"`.data[0]` of {what} a 0-dim tensor); use `.item()`"
            yield self.report(ctx, first.node, message, fixes=fixes)

    @staticmethod
    def update_message(access: Access) -> str:
        if access.role == ASSIGN:
            return (
                "`.data = ...` replaces a tensor's values behind autograd's back; "
                "use `.copy_(...)` under `torch.no_grad()`"
            )
        if access.kind == GRAD:
            return "in-place update of a gradient through `.data`: update `.grad` itself"
        return "in-place update through `.data` is hidden from autograd; update the tensor under `torch.no_grad()`"

    # -- finding the accesses --------------------------------------------------------------------
    def accesses(self, ctx: FileContext, evidence: TensorEvidence) -> Iterator[Access]:
        torch_objects = TorchObjects(ctx)
        # `.grad.data`, `.weight.data` are not torch's in a NumPy framework with a Tensor class of
        # its own (a course's `mytorch`), where torch is never imported
        own_syntax = not own_tensor_class(ctx)
        for node in ctx.index.of(ast.Attribute):
            if node.attr != "data":
                continue
            if isinstance(node.ctx, ast.Del):
                continue
            parent = ctx.parent(node)
            if isinstance(parent, ast.Call) and parent.func is node:
                continue  # a method named `data()`: not the tensor attribute
            if not own_syntax:  # no torch in view: only a tensor the flow proves (audit-18 G10)
                kind = TENSOR if ctx.flow.value(node.value).is_tensor else None
                if kind is None:
                    continue
            else:
                kind = evidence.kind(node.value, use_flow=False)
            if kind is None:
                if torch_objects.holds(node.value):
                    continue  # `torch.utils.data`, `Tensor.data`: not worth a function's flow analysis
                kind = evidence.kind(node.value)
            if kind is None:
                continue
            stmt: ast.AST | None = node
            while stmt is not None and not isinstance(stmt, ast.stmt):
                stmt = ctx.parent(stmt)
            if stmt is None:
                continue
            yield Access(node, kind, self.role(ctx, node), stmt)

    @staticmethod
    def role(ctx: FileContext, node: ast.Attribute) -> str:
        parent = ctx.parent(node)
        if isinstance(parent, ast.Assign) and any(t is node for t in parent.targets):
            return ASSIGN
        if isinstance(parent, ast.AugAssign) and parent.target is node:
            return UPDATE
        current: ast.AST = node
        while True:
            parent = ctx.parent(current)
            if isinstance(parent, ast.Subscript) and parent.value is current:
                grand = ctx.parent(parent)
                if isinstance(grand, (ast.Assign, ast.AugAssign)) and (
                    parent in getattr(grand, "targets", ()) or getattr(grand, "target", None) is parent
                ):
                    return UPDATE
                current = parent
                continue
            if isinstance(parent, ast.Attribute) and parent.value is current:
                call = ctx.parent(parent)
                if isinstance(call, ast.Call) and call.func is parent:
                    if _is_update_method(parent.attr):
                        return UPDATE
                    if parent.attr in VIEW_METHODS:
                        current = call
                        continue
            return READ
