"""PTL101: `torch.autograd.Variable(...)`, a deprecated wrapper since PyTorch 0.4, and its import."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Pos, Span
from pt_lsp.core.edits import (
    delete_statement,
    no_grad_block,
    primary_text,
    remove_import_name,
    source_of,
    statement_of,
    statement_position,
    text_in_place_of,
    torch_reference,
)
from pt_lsp.core.evidence.bindings import numeric_literal
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Related, Severity
from pt_lsp.core.names import canonical
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import own_nodes

VARIABLE = "torch.autograd.Variable"
# torch functions returning a new tensor: `requires_grad=True` can be passed to them directly.
FACTORIES_WITH_REQUIRES_GRAD = {
    f"torch.{name}"
    for name in (
        "tensor",
        "randn",
        "rand",
        "zeros",
        "ones",
        "empty",
        "full",
        "arange",
        "linspace",
        "logspace",
        "eye",
        "randn_like",
        "rand_like",
        "zeros_like",
        "ones_like",
        "empty_like",
        "full_like",
    )
}
# Legacy constructors from literal data -> the dtype `torch.tensor` must be told (None: float32,
# which `torch.tensor` infers by itself when the literal holds a float).
LEGACY_FLOAT_CONSTRUCTORS = {"torch.Tensor": None, "torch.FloatTensor": None, "torch.DoubleTensor": "float64"}


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _is_false(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in (False, None)


def _exported(ctx: FileContext, name: str) -> bool:
    """``name`` is listed in ``__all__``: the import is a re-export, not unused."""
    for node in ctx.tree.body:
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                if any(isinstance(c, ast.Constant) and c.value == name for c in ast.walk(node.value)):
                    return True
    return False


class TorchAutogradVariable(Rule):
    """
    ## What it does
    Flags calls of `torch.autograd.Variable(...)` (under any import alias) and the import of
    `Variable` from `torch.autograd`.

    ## Why is this bad?
    Since PyTorch 0.4 tensors track gradients themselves and `Variable` is a deprecated shim:
    `Variable(t)` returns `t.detach()`, and `Variable(t, requires_grad=True)` a detached leaf
    that requires grad. Code written around it reads as if wrapping were needed for autograd,
    and `Variable(x, volatile=True)` silently does nothing: gradients are still tracked (torch
    warns "volatile was removed and now has no effect"), so an evaluation loop written that way
    builds graphs and holds their memory.

    ## Example
    ```python
    from torch.autograd import Variable

    for images, labels in loader:
        images, labels = Variable(images), Variable(labels)
    w = Variable(torch.randn(10, 1), requires_grad=True)
    ```

    ## Use instead
    ```python
    for images, labels in loader:
        ...
    w = torch.randn(10, 1, requires_grad=True)
    ```
    and `with torch.no_grad():` instead of `volatile=True`.

    ## Fix safety
    `Variable(t)` becomes `t` (safe: the tensors that old code wraps are plain data; where the
    analysis sees that `t` requires grad, it becomes `t.detach()`, which is what `Variable` did).
    `Variable(t, requires_grad=True)` becomes `requires_grad=True` on the factory call that
    built `t` (`torch.randn(..., requires_grad=True)`, `torch.tensor(<literal>,
    requires_grad=True)`), or `t.requires_grad_()`: safe when `t` is a fresh tensor, unsafe
    otherwise, because `requires_grad_()` changes `t` in place where `Variable` made a new leaf.
    `volatile=True` is a bug today (the evaluation it was meant for builds graphs), so its fix
    is display-only: drop the wrapper and run the rest of the block under
    `with torch.no_grad():` — a person must check that nothing in that block needs gradients.
    The alternative that only drops the wrapper is safe (the flag has no effect) but keeps the
    graphs. The import is removed (safe) once no use of `Variable` is left.

    ## References
    - [PyTorch 0.4 migration guide: merging Tensor and Variable](https://pytorch.org/blog/pytorch-0_4_0-migration-guide/)
    - [torch.no_grad](https://pytorch.org/docs/stable/generated/torch.no_grad.html)
    - [Tensor.requires_grad_](https://pytorch.org/docs/stable/generated/torch.Tensor.requires_grad_.html)
    """

    code = "PTL101"
    name = "torch-autograd-variable"
    summary = "`torch.autograd.Variable(...)`, a deprecated wrapper since PyTorch 0.4, and its import"
    severity = Severity.WARNING

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if "Variable" not in ctx.doc.text:
            return
        aliases = _variable_aliases(ctx)
        wrappers: dict[tuple[int, int], Wrapper] | None = None  # at the first `volatile=`: most files have none
        for node in ctx.index.of(ast.Call, ast.ImportFrom):
            if (
                isinstance(node, ast.Call)
                and _may_be_variable(node.func, aliases)
                and ctx.qualname(node.func) == VARIABLE
            ):
                yield self.report(ctx, node, self.message(node), fixes=self.call_fixes(ctx, node))
            elif isinstance(node, ast.Call) and _volatile(node):
                if wrappers is None:
                    wrappers = _variable_wrappers(ctx)
                wrapper = _wrapper_called(ctx, node, wrappers) if wrappers else None
                if wrapper is not None:
                    name = _wrapper_name(wrapper)
                    message = (
                        f"`{name}(..., volatile=True)` passes `volatile` on to `Variable`, where it has no effect since"
                        " PyTorch 0.4: gradients are still tracked; use `with torch.no_grad():`"
                    )
                    where = ctx.doc.node_span(wrapper) if isinstance(wrapper, ast.Assign) else _signature(ctx, wrapper)
                    related = [Related(where, f"`{name}` passes `volatile` on to `torch.autograd.Variable`")]
                    yield self.report(ctx, node, message, related=related)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if canonical(f"{node.module}.{alias.name}") == VARIABLE and not self.engine_only(ctx, alias):
                        yield self.report(
                            ctx,
                            node,
                            "`Variable` is deprecated since PyTorch 0.4: tensors track gradients themselves",
                            fixes=self.import_fixes(ctx, node, alias),
                        )

    @staticmethod
    def engine_only(ctx: FileContext, alias: ast.alias) -> bool:
        """Imported only for class attributes such as ``Variable._execution_engine`` (torch's
        own autograd engine handle): not the deprecated wrapper."""
        bound = alias.asname or alias.name
        uses = [n for n in ctx.index.of(ast.Name) if n.id == bound and isinstance(n.ctx, ast.Load)]
        return bool(uses) and all(_attribute_base(ctx, n) for n in uses)

    @staticmethod
    def message(call: ast.Call) -> str:
        keywords = {k.arg: k.value for k in call.keywords}
        if "volatile" in keywords and not _is_false(keywords["volatile"]):
            return (
                "`Variable(..., volatile=True)` has no effect since PyTorch 0.4: gradients are still "
                "tracked; use `with torch.no_grad():`"
            )
        if "requires_grad" in keywords and not _is_false(keywords["requires_grad"]):
            return "`Variable(t, requires_grad=True)` is deprecated: create the tensor with `requires_grad=True`"
        return "`Variable(t)` is deprecated since PyTorch 0.4: use the tensor itself"

    # -- fixes for a call -----------------------------------------------------------------------
    def call_fixes(self, ctx: FileContext, call: ast.Call) -> list[Fix]:
        if len(call.args) != 1 or isinstance(call.args[0], ast.Starred):
            return []
        keywords = {k.arg: k.value for k in call.keywords}
        if None in keywords or set(keywords) - {"requires_grad", "volatile"}:
            return []
        tensor = call.args[0]
        requires_grad = keywords.get("requires_grad")
        if requires_grad is not None and not _is_false(requires_grad):
            fix = self.requires_grad_fix(ctx, call, tensor, requires_grad)
            return [fix] if fix else []
        unwrap = self.unwrap_fix(ctx, call, tensor)
        volatile = keywords.get("volatile")
        if volatile is None or _is_false(volatile):
            deletion = self.self_assignment_deletion(ctx, call)
            return [deletion, unwrap] if deletion is not None else [unwrap]
        # The code meant "no graph here" and gets one: a person decides where no_grad belongs.
        suggestion = self.no_grad_suggestion(ctx, call, unwrap.edits)
        fallback = Fix(unwrap.title, unwrap.edits, Applicability.DISPLAY_ONLY)
        return [suggestion, unwrap] if suggestion is not None else [fallback, unwrap]

    def unwrap_fix(self, ctx: FileContext, call: ast.Call, tensor: ast.AST) -> Fix:
        span = ctx.doc.node_span(call)
        if ctx.flow.value(tensor).requires_grad is True:
            # Variable(t) is t.detach(): keep that where t provably carries a graph.
            return Fix(
                "Replace `Variable(t)` with `t.detach()`", (Edit(span, f"{primary_text(ctx, tensor)}.detach()"),)
            )
        return Fix("Replace `Variable(t)` with `t`", (Edit(span, text_in_place_of(ctx, tensor, call)),))

    def self_assignment_deletion(self, ctx: FileContext, call: ast.Call) -> Fix | None:
        """``x = Variable(x)`` / ``x, y = Variable(x), Variable(y)`` would become ``x = x``: delete it.
        Every call of the statement offers this same fix, so it is applied once."""
        stmt = statement_of(ctx, call)
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            return None
        target, value = stmt.targets[0], stmt.value
        pairs = [(target, value)]
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
            pairs = list(zip(target.elts, value.elts))
        for name, item in pairs:
            if (
                isinstance(item, ast.Call)
                and ctx.qualname(item.func) == VARIABLE
                and len(item.args) == 1
                and not item.keywords
                and ctx.flow.value(item.args[0]).requires_grad is not True
            ):
                item = item.args[0]
            if not (isinstance(name, ast.Name) and isinstance(item, ast.Name) and name.id == item.id):
                return None
        edit = delete_statement(ctx, stmt)
        return Fix("Remove the statement: without `Variable` it assigns names to themselves", (edit,)) if edit else None

    def requires_grad_fix(self, ctx: FileContext, call: ast.Call, tensor: ast.AST, flag: ast.AST) -> Fix | None:
        span = ctx.doc.node_span(call)
        if _is_true(flag) and isinstance(tensor, ast.Call):
            made_by = ctx.qualname(tensor.func)
            keywords = {k.arg for k in tensor.keywords}
            text = source_of(ctx, tensor)
            if (
                made_by in FACTORIES_WITH_REQUIRES_GRAD
                and "requires_grad" not in keywords
                and None not in keywords
                and text.endswith(")")
            ):
                head = text[:-1].rstrip()
                separator = "" if head.endswith(("(", ",")) else ", "
                space = " " if head.endswith(",") else ""
                return Fix(
                    "Pass `requires_grad=True` to the factory",
                    (Edit(span, f"{head}{separator}{space}requires_grad=True)"),),
                )
            literal = self.literal_tensor(ctx, call, tensor, made_by)
            if literal is not None:
                return Fix("Use `torch.tensor(..., requires_grad=True)`", literal)
        argument = "" if _is_true(flag) else source_of(ctx, flag)
        safe = self.is_fresh(ctx, tensor) and not argument
        return Fix(
            "Replace `Variable(t, requires_grad=...)` with `t.requires_grad_()`",
            (Edit(span, f"{primary_text(ctx, tensor)}.requires_grad_({argument})"),),
            Applicability.SAFE if safe else Applicability.UNSAFE,
        )

    def literal_tensor(
        self, ctx: FileContext, call: ast.Call, tensor: ast.Call, made_by: str | None
    ) -> tuple[Edit, ...] | None:
        if made_by not in LEGACY_FLOAT_CONSTRUCTORS or len(tensor.args) != 1 or tensor.keywords:
            return None
        is_literal, has_float = numeric_literal(tensor.args[0])
        if not is_literal:
            return None
        reference = torch_reference(ctx, "torch.tensor", call)
        if reference is None:
            return None
        name, extra = reference
        dtype = LEGACY_FLOAT_CONSTRUCTORS[made_by] or ("" if has_float else "float32")
        dtype_text = ""
        if dtype:
            dtype_reference = torch_reference(ctx, f"torch.{dtype}", call)
            if dtype_reference is None:
                return None
            dtype_text = f", dtype={dtype_reference[0]}"
        text = f"{name}({source_of(ctx, tensor.args[0])}{dtype_text}, requires_grad=True)"
        return (Edit(ctx.doc.node_span(call), text), *extra)

    @staticmethod
    def is_fresh(ctx: FileContext, tensor: ast.AST) -> bool:
        """A tensor made right here: a torch function call, possibly followed by method calls."""
        current = tensor
        while isinstance(current, ast.Call):
            qualname = ctx.qualname(current.func)
            if qualname is not None:
                return qualname.startswith("torch.")
            if not isinstance(current.func, ast.Attribute):
                return False
            current = current.func.value
        return False

    def no_grad_suggestion(self, ctx: FileContext, call: ast.Call, unwrap: tuple[Edit, ...]) -> Fix | None:
        stmt = statement_of(ctx, call)
        position = statement_position(ctx, stmt) if stmt is not None else None
        if position is None:
            return None
        body, index = position
        # The statements that follow use the formerly "volatile" value: run them without grad.
        edits = no_grad_block(ctx, body[index:], unwrap)
        if edits is None:
            return None
        return Fix(
            "Drop `Variable` and run the rest of the block under `torch.no_grad()`",
            tuple(edits),
            Applicability.DISPLAY_ONLY,
        )

    # -- the import -----------------------------------------------------------------------------
    def import_fixes(self, ctx: FileContext, stmt: ast.ImportFrom, alias: ast.alias) -> list[Fix]:
        bound = alias.asname or alias.name
        if _exported(ctx, bound):
            return []
        for node in ctx.index.of(ast.Name):
            if node.id == bound and isinstance(node.ctx, ast.Load) and ctx.qualname(node) == VARIABLE:
                return []  # still used: the call fixes go first, the import goes in a later round
        edit = remove_import_name(ctx, stmt, alias)
        return [Fix("Remove the unused `Variable` import", (edit,))] if edit is not None else []


def _variable_aliases(ctx: FileContext) -> set[str]:
    """Names bound to ``torch.autograd.Variable`` anywhere (``V``, ``Variable``): only calls of
    these, or of ``<module>.Variable``, are resolved, not every call of the file."""
    aliases = {"Variable"}
    for scope in (ctx.names.module_scope, *ctx.names.scopes.values()):
        for name, bindings in scope.bindings.items():
            if any(b.qualname and canonical(b.qualname) == VARIABLE for b in bindings):
                aliases.add(name)
    return aliases


Wrapper = ast.Assign | ast.FunctionDef | ast.AsyncFunctionDef


def _variable_wrappers(ctx: FileContext) -> dict[tuple[int, int], Wrapper]:
    """Local wrappers that pass a caller's ``volatile=`` on to ``Variable``, by where their
    binding takes effect:

    - ``Variable = lambda *args, **kwargs: autograd.Variable(*args, **kwargs)`` (possibly
      ``.cuda()`` on one branch);
    - ``def to_var(x, **kwargs): return Variable(x.cuda(), **kwargs)``;
    - ``def to_var(x, volatile=False): return Variable(x, volatile=volatile)``.
    """
    found: dict[tuple[int, int], Wrapper] = {}
    if "lambda" in ctx.doc.text:
        for stmt in ctx.index.of(ast.Assign):  # statements, not a parent map: most files have none
            lam = stmt.value
            if not isinstance(lam, ast.Lambda) or len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                continue
            if lam.args.kwarg is not None and _passes_on(ctx, ast.walk(lam.body), lam.args.kwarg.arg, None):
                found[(stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)] = stmt
    if "def " in ctx.doc.text:
        for function in ctx.index.of(ast.FunctionDef, ast.AsyncFunctionDef):
            assert isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
            kwarg = function.args.kwarg.arg if function.args.kwarg is not None else None
            named = "volatile" if any(a.arg == "volatile" for a in _parameters(function.args)) else None
            if (kwarg or named) and _passes_on(ctx, own_nodes(function), kwarg, named):
                found[(function.end_lineno or function.lineno, function.end_col_offset or 0)] = function
    return found


def _signature(ctx: FileContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Span:
    """Where a step about a function points: its ``def`` line, not its whole body."""
    line = function.lineno
    return Span(Pos(line, ctx.doc.col_from_utf8(line, function.col_offset)), Pos(line, len(ctx.doc.line_text(line))))


def _parameters(args: ast.arguments) -> list[ast.arg]:
    return [*args.posonlyargs, *args.args, *args.kwonlyargs]


def _passes_on(ctx: FileContext, nodes: Iterable[ast.AST], kwarg: str | None, named: str | None) -> bool:
    """A call of ``Variable`` among ``nodes`` gets ``**kwarg``, or ``volatile=<named>``."""
    for node in nodes:
        if not isinstance(node, ast.Call) or ctx.qualname(node.func) != VARIABLE:
            continue
        for keyword in node.keywords:
            value = keyword.value
            if not isinstance(value, ast.Name):
                continue
            if (keyword.arg is None and value.id == kwarg) or (keyword.arg == "volatile" and value.id == named):
                return True
    return False


def _wrapper_name(wrapper: Wrapper) -> str:
    if isinstance(wrapper, ast.Assign):
        target = wrapper.targets[0]
        return target.id if isinstance(target, ast.Name) else "the wrapper"
    return wrapper.name


def _volatile(call: ast.Call) -> bool:
    return any(k.arg == "volatile" and not _is_false(k.value) for k in call.keywords)


def _wrapper_called(ctx: FileContext, call: ast.Call, wrappers: dict[tuple[int, int], Wrapper]) -> Wrapper | None:
    if not isinstance(call.func, ast.Name):
        return None
    binding = ctx.names.binding(call.func.id, call.func)
    return wrappers.get(binding.pos) if binding is not None else None


def _attribute_base(ctx: FileContext, node: ast.AST) -> bool:
    """``node`` is the object of an attribute access (``Variable._execution_engine``)."""
    parent = ctx.parent(node)
    return isinstance(parent, ast.Attribute) and parent.value is node


def _may_be_variable(func: ast.AST, aliases: set[str]) -> bool:
    if isinstance(func, ast.Name):
        return func.id in aliases
    return isinstance(func, ast.Attribute) and func.attr == "Variable"
