"""PTL103: `torch.FloatTensor(...)` and other typed constructors, `torch.Tensor(data)`."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import source_of, torch_reference
from pt_lsp.core.evidence.bindings import (
    TensorApiEvidence,
    bound_values,
    is_list_data,
    is_ndarray,
    is_sizes,
    numeric_literal,
)
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Related, Severity
from pt_lsp.core.rule import Rule

# Typed constructors and the dtype each one forces.
TYPED = {
    "FloatTensor": "float32",
    "DoubleTensor": "float64",
    "HalfTensor": "float16",
    "BFloat16Tensor": "bfloat16",
    "ByteTensor": "uint8",
    "CharTensor": "int8",
    "ShortTensor": "int16",
    "IntTensor": "int32",
    "LongTensor": "int64",
    "BoolTensor": "bool",
}


CONSTRUCTORS = {f"torch.{name}": (dtype, False) for name, dtype in TYPED.items()}


CONSTRUCTORS.update({f"torch.cuda.{name}": (dtype, True) for name, dtype in TYPED.items()})


TENSOR = "torch.Tensor"


# A file that changes the default dtype: `torch.Tensor` follows it, an explicit float32 does not.
DEFAULT_DTYPE_SETTERS = ("set_default_dtype", "set_default_tensor_type")


def _replace_call(
    ctx: FileContext,
    call: ast.Call,
    function: str,
    args: str,
    keywords: list[tuple[str, str]],
    title: str,
    applicability: Applicability,
) -> Fix | None:
    """``call`` rewritten as ``function(args, k=v...)`` (torch names written the file's way)."""
    reference = torch_reference(ctx, function, call)
    if reference is None:
        return None
    name, extra = reference
    parts = [args] if args else []
    for key, qualname in keywords:
        if qualname.startswith("torch."):
            spelled = torch_reference(ctx, qualname, call)
            if spelled is None:
                return None
            parts.append(f"{key}={spelled[0]}")
            extra += [e for e in spelled[1] if e not in extra]
        else:
            parts.append(f"{key}={qualname}")
    text = f"{name}({', '.join(parts)})"
    return Fix(title, (Edit(ctx.doc.node_span(call), text), *extra), applicability)


def _conditional_constructors(ctx: FileContext) -> dict[tuple[int, int], tuple[ast.Assign, str, str]]:
    """``Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor``: a name bound to one of
    two typed constructors of one dtype, by where the binding takes effect (with how to show the
    constructors and their dtype)."""
    found: dict[tuple[int, int], tuple[ast.Assign, str, str]] = {}
    for stmt in ctx.index.of(ast.Assign):
        value = stmt.value
        if not (isinstance(value, ast.IfExp) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        branches = [ctx.qualname(value.body), ctx.qualname(value.orelse)]
        known = [CONSTRUCTORS.get(b) if b is not None else None for b in branches]
        if known[0] is None or known[1] is None or known[0][0] != known[1][0]:
            continue
        shown = " or ".join(f"`{b}`" for b in branches)
        found[(stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)] = (stmt, shown, known[0][0])
    return found


def _conditional_alias(
    ctx: FileContext, func: ast.expr, conditional: dict[tuple[int, int], tuple[ast.Assign, str, str]]
) -> tuple[ast.Assign, str, str] | None:
    if not isinstance(func, ast.Name):
        return None
    binding = ctx.names.binding(func.id, func)
    return conditional.get(binding.pos) if binding is not None else None


def _data_name(ctx: FileContext, data: ast.expr) -> str | None:
    """A name bound only to data: "array" (NumPy arrays only) or "data" (arrays and lists, such as
    ``xs = [...]`` then ``xs = np.array(xs)``), also a module's name read inside a function
    (``losses = []`` at the top, ``torch.Tensor(losses)`` in ``plot()``); None otherwise."""
    if not isinstance(data, ast.Name):
        return None
    values = bound_values(ctx, data)
    if values is None:
        values = _module_values(ctx, data)
    if not values:
        return None
    arrays = [is_ndarray(ctx, v) for v in values]
    if all(arrays):
        return "array"
    if all(a or is_list_data(ctx, v) for a, v in zip(arrays, values)):
        return "data"
    return None


def _module_values(ctx: FileContext, name: ast.Name) -> list[ast.AST] | None:
    """What the module binds ``name`` to, where a function reads the module's ``name``."""
    names = ctx.names
    if names.scope_of(name) is names.module_scope:
        return None
    binding = names.binding(name.id, name)
    if binding is None or all(b is not binding for b in names.module_scope.bindings.get(name.id, [])):
        return None
    if any(isinstance(g, ast.Global) and name.id in g.names for g in ctx.index.of(ast.Global)):
        return None  # a function rebinds it
    for node in ctx.index.of(ast.Name):
        if node.id == name.id and isinstance(node.ctx, ast.Store) and names.scope_of(node) is names.module_scope:
            return bound_values(ctx, node)
    return None


class LegacyTensorConstructor(Rule):
    """
    ## What it does
    Flags the typed legacy constructors `torch.FloatTensor(...)`, `torch.LongTensor(...)`,
    `torch.DoubleTensor(...)`, ... (also `torch.cuda.FloatTensor(...)` and the other CUDA
    types), and `torch.Tensor(data)` called with data (a list, a comprehension, a NumPy array)
    rather than sizes.

    ## Why is this bad?
    The legacy constructors force their own dtype whatever the data holds and decide silently
    whether to copy: `torch.Tensor(labels)` turns integer class labels into float32 (an
    `nn.Embedding` or `cross_entropy` then rejects them), `torch.LongTensor([0.7, 1.9])`
    truncates to `[0, 1]`, `torch.FloatTensor(a)` shares memory with a float32 array but copies
    a float64 one, and `torch.FloatTensor(t)` on a float64 tensor raises
    `TypeError: expected TensorOptions(dtype=float, ...)`. One call means either "sizes" or
    "data" depending on its arguments (`torch.Tensor(3)` is three uninitialised values, not the
    number 3). The PyTorch docs recommend `torch.tensor`, `torch.as_tensor` and `torch.empty`.

    ## Example
    ```python
    weights = torch.FloatTensor([0.2, 0.3, 0.5])
    features = torch.FloatTensor(torch.from_numpy(array))
    buffer = torch.LongTensor(batch_size, seq_len)
    ```

    ## Use instead
    ```python
    weights = torch.tensor([0.2, 0.3, 0.5], dtype=torch.float32)
    features = torch.as_tensor(torch.from_numpy(array), dtype=torch.float32)
    buffer = torch.empty(batch_size, seq_len, dtype=torch.int64)
    ```

    ## Fix safety
    The fixes keep the dtype and the copy semantics, so they are safe: literal data becomes
    `torch.tensor(data, dtype=...)` (both copy); arrays, lists and tensors become
    `torch.as_tensor(data, dtype=...)`, which shares memory exactly where the legacy constructor
    did (same dtype, same device) and copies otherwise; sizes become `torch.empty(*sizes,
    dtype=...)` (both uninitialised); CUDA types add `device="cuda"`. Where a typed constructor
    raised (a tensor of another dtype), the fix converts instead. In a file that changes the
    default dtype, the rewrite of `torch.Tensor(...)` spells float32 and is unsafe. Where the
    argument may be either sizes or data (a name of unknown type), there is no fix.
    To keep an integer array's dtype instead, write `torch.from_numpy(a)` yourself.

    ## References
    - [torch.tensor](https://pytorch.org/docs/stable/generated/torch.tensor.html)
    - [torch.as_tensor](https://pytorch.org/docs/stable/generated/torch.as_tensor.html)
    - [torch.Tensor: "use torch.tensor() to create a tensor with pre-existing data"](https://pytorch.org/docs/stable/tensors.html)
    """

    code = "PTL103"
    name = "legacy-tensor-constructor"
    summary = "`torch.FloatTensor(...)` and other typed constructors, `torch.Tensor(data)`: forced dtype, silent copies"
    severity = Severity.WARNING

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        text = ctx.doc.text
        if "Tensor(" not in text:
            return
        evidence = TensorApiEvidence(ctx)
        conditional = _conditional_constructors(ctx)
        default_dtype_changed = any(word in text for word in DEFAULT_DTYPE_SETTERS)
        for call in ctx.index.of(ast.Call):
            func = call.func
            if not (
                isinstance(func, (ast.Name, ast.Attribute))
                and (func.id if isinstance(func, ast.Name) else func.attr).endswith("Tensor")
            ):
                continue
            qualname = ctx.qualname(func)
            alias = _conditional_alias(ctx, func, conditional) if qualname is None and conditional else None
            if alias is not None:
                stmt, shown, dtype = alias
                message = (
                    f"`{func.id if isinstance(func, ast.Name) else 'Tensor'}(...)` calls {shown}, legacy constructors:"
                    f" they force {dtype} and copy or share memory silently; use `torch.tensor(data, dtype=...,"
                    " device=...)`, `torch.as_tensor` or `torch.empty(*sizes, dtype=..., device=...)`"
                )
                related = [Related(ctx.doc.node_span(stmt), "the name is bound to a legacy constructor here")]
                yield self.report(ctx, call, message, related=related)
            elif qualname in CONSTRUCTORS:
                dtype, cuda = CONSTRUCTORS[qualname]
                shown = qualname.split(".")[-1] if not cuda else "cuda." + qualname.split(".")[-1]
                fix = self.typed_fix(ctx, evidence, call, dtype, cuda)
                message = (
                    f"`torch.{shown}(...)` is a legacy constructor: it forces {dtype} and copies or shares "
                    f"memory silently; use `torch.tensor(data, dtype=...)`, `torch.as_tensor` or "
                    f"`torch.empty(*sizes, dtype=...)`"
                )
                yield self.report(ctx, call, message, fixes=[fix] if fix else [])
            elif qualname == TENSOR and len(call.args) == 1 and not call.keywords:
                data = call.args[0]
                if isinstance(data, ast.Starred) or is_sizes(ctx, data):
                    continue
                array = evidence.is_ndarray(data)
                if not array and not is_list_data(ctx, data):
                    kind = _data_name(ctx, data)
                    if kind is None:
                        continue
                    array = kind == "array"
                fix = self.tensor_fix(ctx, call, data, array, default_dtype_changed)
                what = "a NumPy array" if array else "data"
                message = (
                    f"`torch.Tensor(...)` of {what} converts it to the default float dtype whatever it holds "
                    f"(integer labels become floats); use `torch.tensor(data)` or `torch.as_tensor`"
                )
                yield self.report(ctx, call, message, fixes=[fix] if fix else [])

    def typed_fix(
        self, ctx: FileContext, evidence: TensorApiEvidence, call: ast.Call, dtype: str, cuda: bool
    ) -> Fix | None:
        if call.keywords:
            return None
        extra: list[tuple[str, str]] = [("device", '"cuda"')] if cuda else []
        dtype_kw = [("dtype", f"torch.{dtype}")]
        args = call.args
        if not args or len(args) >= 2 or isinstance(args[0], ast.Starred) or is_sizes(ctx, args[0]):
            if any(isinstance(a, ast.Starred) for a in args) and len(args) > 1:
                return None
            sizes = ", ".join(source_of(ctx, a) for a in args) or "0"
            return _replace_call(
                ctx,
                call,
                "torch.empty",
                sizes,
                dtype_kw + extra,
                f"Replace with `torch.empty(..., dtype=torch.{dtype})`",
                Applicability.SAFE,
            )
        data = args[0]
        if numeric_literal(data)[0]:
            return _replace_call(
                ctx,
                call,
                "torch.tensor",
                source_of(ctx, data),
                dtype_kw + extra,
                f"Replace with `torch.tensor(..., dtype=torch.{dtype})`",
                Applicability.SAFE,
            )
        if evidence.is_ndarray(data) or is_list_data(ctx, data) or evidence.is_tensor(data):
            return _replace_call(
                ctx,
                call,
                "torch.as_tensor",
                source_of(ctx, data),
                dtype_kw + extra,
                f"Replace with `torch.as_tensor(..., dtype=torch.{dtype})`",
                Applicability.SAFE,
            )
        return None  # sizes or data: a person must say which

    def tensor_fix(
        self, ctx: FileContext, call: ast.Call, data: ast.expr, array: bool, default_dtype_changed: bool
    ) -> Fix | None:
        applicability = Applicability.UNSAFE if default_dtype_changed else Applicability.SAFE
        literal, has_float = numeric_literal(data)
        if literal:
            keywords: list[tuple[str, str]] = [] if has_float else [("dtype", "torch.float32")]
            return _replace_call(
                ctx,
                call,
                "torch.tensor",
                source_of(ctx, data),
                keywords,
                "Replace with `torch.tensor(...)`",
                applicability,
            )
        return _replace_call(
            ctx,
            call,
            "torch.as_tensor",
            source_of(ctx, data),
            [("dtype", "torch.float32")],
            "Replace with `torch.as_tensor(..., dtype=torch.float32)`",
            applicability,
        )
