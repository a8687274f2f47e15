"""Modules that hold nothing to register (PTL301): torch layers with no parameters, buffers or
train/eval behaviour (activations, pooling, `nn.Upsample`), and classes of the file that keep only
such layers and numbers. A plain list of them misses nothing, so PTL301 stays silent on it."""

from __future__ import annotations

import ast

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.evidence.tensors import PARAMETER
from pt_lsp.core.vocabulary import STATELESS_MODULES
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._module_evidence import is_self_attr
from pt_lsp.rules.modules._registration_evidence import InitEvidence


def stateless(ctx: FileContext, evidence: InitEvidence, element: ast.AST, function: ast.AST, depth: int = 0) -> bool:
    """``nn.Upsample(...)``, ``nn.ReLU()``, or lists or names of only such: nothing to register."""
    if depth > 3:
        return False
    if isinstance(element, (ast.List, ast.Tuple)):
        return all(stateless(ctx, evidence, e, function, depth + 1) for e in element.elts)
    if isinstance(element, ast.Name):
        bound = evidence.single_value(function, element.id)
        return bound is not None and stateless(ctx, evidence, bound, function, depth + 1)
    if not isinstance(element, ast.Call):
        return False
    if ctx.qualname(element.func) in STATELESS_MODULES:
        return True
    if isinstance(element.func, ast.Name) and ctx.names.resolve(element.func.id, element.func) is None:
        local = ctx.classes.get(element.func.id)
        if local is None:
            return False
        known = _STATELESS_CLASSES(ctx)
        if id(local.node) not in known:  # each class read once per file, however many lists hold it
            known[id(local.node)] = _stateless_class(ctx, local, depth + 1)
        return known[id(local.node)]
    return False


_STATELESS_CLASSES: PerFile[dict[int, bool]] = PerFile(lambda ctx: {})


_STATE_CALLS = {"register_buffer", "register_parameter", "register_module", "add_module", "setattr"}


def _stateless_class(ctx: FileContext, info: ClassInfo, depth: int) -> bool:
    """A module class of the file whose ``__init__`` (and the helpers it calls) keeps only
    parameter-free layers and plain values on ``self``, with no registering call, no
    ``nn.Parameter`` and no ``train``/``eval`` of its own: its instances hold nothing to register
    (Autoformer's moving average, an ``nn.AvgPool1d`` and its kernel size)."""
    if depth > 3 or not info.is_module or info.local_bases or "__init__" not in info.methods:
        return False
    if any(ctx.qualname(base) != "torch.nn.Module" for base in info.node.bases) or info.node.keywords:
        return False
    if "train" in info.methods or "eval" in info.methods:
        return False
    evidence = InitEvidence(ctx, info)
    init = info.methods["__init__"]
    parameters = {a.arg for a in (*init.args.posonlyargs, *init.args.args[1:], *init.args.kwonlyargs)}
    numbers = _number_names(ctx, evidence.functions)
    for function in evidence.functions:
        for node in own_nodes(function):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in _STATE_CALLS or ctx.qualname(func) == PARAMETER:
                    return False
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets = [node.target]
            if not any(isinstance(t, ast.Attribute) for t in targets):
                continue
            assert isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
            if not all(is_self_attr(t) for t in targets) or node.value is None:
                return False  # `self.a.b = ...`, `self.a, self.b = ...`: not read here
            if not _plain_or_stateless(ctx, evidence, node.value, function, parameters, numbers, depth):
                return False
    return True


def _plain_or_stateless(
    ctx: FileContext,
    evidence: InitEvidence,
    value: ast.expr,
    function: ast.AST,
    parameters: set[str],
    numbers: set[str],
    depth: int,
) -> bool:
    """``value``, kept on ``self``, can hold no parameter: a constant, a parameter of ``__init__``
    that ``__init__`` itself uses as a number, arithmetic of those, or a parameter-free layer."""
    if isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.Name):
        return value.id in parameters and value.id in numbers
    if isinstance(value, ast.BinOp):
        return all(
            _plain_or_stateless(ctx, evidence, v, function, parameters, numbers, depth)
            for v in (value.left, value.right)
        )
    if isinstance(value, ast.UnaryOp):
        return _plain_or_stateless(ctx, evidence, value.operand, function, parameters, numbers, depth)
    if isinstance(value, (ast.Tuple, ast.List)):
        return all(_plain_or_stateless(ctx, evidence, v, function, parameters, numbers, depth) for v in value.elts)
    return isinstance(value, ast.Call) and stateless(ctx, evidence, value, function, depth)


def _number_names(ctx: FileContext, functions: list[ast.AST]) -> set[str]:
    """Names given to a parameter-free torch layer's constructor (a kernel size, a stride) or used
    in arithmetic: numbers, never modules."""
    found: set[str] = set()
    for function in functions:
        for node in own_nodes(function):
            operands: list[ast.expr] = []
            if isinstance(node, ast.Call) and ctx.qualname(node.func) in STATELESS_MODULES:
                operands = [*node.args, *(k.value for k in node.keywords)]
            elif isinstance(node, ast.BinOp) and not isinstance(node.op, (ast.MatMult, ast.Add, ast.Mult)):
                operands = [node.left, node.right]  # `k - 1`, `k // 2`: `+`/`*` also join lists
            found.update(o.id for o in operands if isinstance(o, ast.Name))
    return found
