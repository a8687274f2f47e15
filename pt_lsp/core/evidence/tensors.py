"""Syntactic evidence that an expression is a tensor, for rules that must not guess (PTL102, PTL301).

The flow interpreter knows values it can follow; this adds what a reader sees at a glance: a
name bound only from ``torch.randn(...)`` / ``nn.Parameter(...)``, the loop variable of
``for p in model.parameters()``, ``self.w`` assigned only parameters, ``m.weight``, ``x.grad``.
Kinds: ``"grad"`` (a ``.grad``), ``"leaf"`` (a parameter or a freshly made tensor: in-place
updates under ``no_grad`` are what optimizers do), ``"tensor"`` (a tensor, maybe a graph node).
"""

from __future__ import annotations

import ast

from pt_lsp.core import vocabulary
from pt_lsp.core.context import FileContext
from pt_lsp.core.walk import attr_path, binds_name, is_self_attr, own_nodes, subtree

GRAD, LEAF, TENSOR = "grad", "leaf", "tensor"

PARAMETER = "torch.nn.Parameter"
TENSOR_FACTORIES = vocabulary.TENSOR_FACTORIES  # what TensorEvidence counts as a new tensor
TENSOR_METHODS = vocabulary.TENSOR_FROM_RECEIVER  # a factory's result stays a factory's
PARAMETER_ITERATORS = {"parameters", "named_parameters"}
TENSOR_TYPES = {"torch.Tensor", "torch.autograd.Variable", "torch.nn.Parameter"}
PACKED_SEQUENCE_WORDS = ("pack_padded_sequence", "pack_sequence", "PackedSequence")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)


def made_by_factory(ctx: FileContext, expr: ast.AST) -> str | None:
    """The torch factory (qualified name) at the root of ``torch.randn(...).cuda()`` chains."""
    while isinstance(expr, ast.Call):
        qualname = ctx.qualname(expr.func)
        if qualname is not None:
            return qualname if qualname in TENSOR_FACTORIES else None
        if not (isinstance(expr.func, ast.Attribute) and expr.func.attr in TENSOR_METHODS):
            return None
        expr = expr.func.value
    return None


def _iterates_parameters(ctx: FileContext, iterable: ast.AST) -> bool:
    """``m.parameters()``, ``m.named_parameters()``, ``group["params"]`` (optimizer code)."""
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute):
        return iterable.func.attr in PARAMETER_ITERATORS
    if isinstance(iterable, ast.Subscript):
        key = iterable.slice
        return isinstance(key, ast.Constant) and key.value == "params"
    return False


def _loop_target_kind(ctx: FileContext, target: ast.AST, name: str, iterable: ast.AST) -> str | None:
    if (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id == "zip"
        and isinstance(target, ast.Tuple)
        and len(target.elts) == len(iterable.args)
    ):
        # for ema_p, p in zip(ema.parameters(), model.parameters())
        return next(
            (
                _loop_target_kind(ctx, t, name, i)
                for t, i in zip(target.elts, iterable.args)
                if isinstance(t, ast.Name) and t.id == name
            ),
            None,
        )
    if not _iterates_parameters(ctx, iterable):
        return None
    named = (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Attribute)
        and iterable.func.attr == "named_parameters"
    )
    if isinstance(target, ast.Name) and not named:
        return LEAF if target.id == name else None
    if named and isinstance(target, ast.Tuple) and len(target.elts) == 2:
        second = target.elts[1]
        return LEAF if isinstance(second, ast.Name) and second.id == name else None
    return None


def _scope_node(ctx: FileContext, node: ast.AST) -> ast.AST:
    current = ctx.parent(node)
    while current is not None and not isinstance(
        current, (*_SCOPES, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    ):
        current = ctx.parent(current)
    return current if current is not None else ctx.tree


class TensorEvidence:
    """Answers ``kind(expr)`` for one file; caches per scope and name."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._names: dict[tuple[int, str], str | None] = {}
        self._attrs: dict[tuple[int, str], str | None] = {}
        self._backward: dict[tuple[int, str], set[str]] = {}
        self._own_autograd: bool | None = None

    def kind(self, expr: ast.AST, use_flow: bool = True) -> str | None:
        syntactic = self.syntactic_kind(expr)
        if syntactic is not None:
            return syntactic
        if isinstance(expr, ast.Name) and self.guard_of(expr) is False:
            return None  # `if isinstance(t, Wrapper):` here, whatever callers pass elsewhere
        if use_flow and not (isinstance(expr, ast.Name) and expr.id == "self") and not self._packs_sequences(expr):
            if self.ctx.flow.value(expr).is_tensor:
                return TENSOR
        return None

    def _packs_sequences(self, expr: ast.AST) -> bool:
        """A PackedSequence (whose ``.data`` is a field, not the tensor API) may be about: an RNN
        fed one returns one, which flow facts do not tell apart from a tensor."""
        scope = _scope_node(self.ctx, expr)
        key = (id(scope), "<packed>")
        if key not in self._names:
            text = (
                self.ctx.doc.slice(self.ctx.doc.node_span(scope)) if scope is not self.ctx.tree else self.ctx.doc.text
            )
            self._names[key] = "yes" if any(word in text for word in PACKED_SEQUENCE_WORDS) else None
        return self._names[key] is not None

    def syntactic_kind(self, expr: ast.AST) -> str | None:
        if isinstance(expr, ast.Subscript):
            # `layer.bias[dim:]`: a view of a known tensor is a tensor
            return TENSOR if self.syntactic_kind(expr.value) is not None else None
        if isinstance(expr, ast.Attribute):
            if expr.attr == "grad":
                return GRAD
            if self.guard_of(expr) is True:
                return TENSOR
            if isinstance(expr.value, ast.Name) and expr.value.id == "self":
                return self.self_attribute_kind(expr)
            if expr.attr in ("weight", "bias") or expr.attr.startswith(("weight_", "bias_")):
                return LEAF
            return None
        if isinstance(expr, ast.Name):
            return self.name_kind(expr) or self.guarded_kind(expr)
        if made_by_factory(self.ctx, expr):
            return LEAF
        return None

    # -- names ------------------------------------------------------------------------------------
    def name_kind(self, name: ast.Name) -> str | None:
        scope = _scope_node(self.ctx, name)
        key = (id(scope), name.id)
        if key not in self._names:
            self._names[key] = self._bound_kind(scope, name.id) or (
                TENSOR if name.id in self.backward_names(scope) else None
            )
        return self._names[key]

    def backward_names(self, scope: ast.AST) -> set[str]:
        """Names whose ``.backward()`` is called in ``scope``: a loss, a tensor (a scalar one
        when called without arguments)."""
        key = (id(scope), "<backward>")
        if not self._torch_autograd_only():
            return set()
        if key not in self._backward:
            self._backward[key] = {
                node.func.value.id
                for node in own_nodes(scope)
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "backward"
                and isinstance(node.func.value, ast.Name)
                and not node.args
                and not any(k.arg == "gradient" for k in node.keywords)
            }
        return self._backward[key]

    def _torch_autograd_only(self) -> bool:
        """``x.backward()`` means torch's only in a file that imports torch and defines no
        ``backward`` of its own (a micrograd-style ``Value`` class has ``.data`` and ``.backward()``)."""
        if self._own_autograd is None:
            imports_torch = any(
                (b.qualname or "").split(".")[0] == "torch"
                for bindings in self.ctx.names.module_scope.bindings.values()
                for b in bindings
            )
            defines_backward = any(
                info.method("backward") is not None or info.method("data") is not None
                for info in self.ctx.classes.values()
            )
            self._own_autograd = imports_torch and not defines_backward
        return self._own_autograd

    def is_scalar_loss(self, name: ast.AST) -> bool:
        return isinstance(name, ast.Name) and name.id in self.backward_names(_scope_node(self.ctx, name))

    def _bound_kind(self, scope: ast.AST, name: str) -> str | None:
        """LEAF when every binding of ``name`` in ``scope`` is a factory call or a parameter loop."""
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = scope.args
            every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
            if any(a is not None and a.arg == name for a in every):
                return None
        if isinstance(scope, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            for generator in scope.generators:
                kind = _loop_target_kind(self.ctx, generator.target, name, generator.iter)
                if kind is not None:
                    return kind
            return None
        kinds: list[str | None] = []
        for node in own_nodes(scope):
            if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
                return None
            if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (a.asname or a.name.split(".")[0]) == name for a in node.names
            ):
                return None
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == name:
                        kinds.append(LEAF if made_by_factory(self.ctx, node.value) else None)
                    elif binds_name(target, name):
                        kinds.append(None)
            elif isinstance(node, ast.AnnAssign) and binds_name(node.target, name):
                kinds.append(LEAF if node.value is not None and made_by_factory(self.ctx, node.value) else None)
            elif isinstance(node, (ast.For, ast.AsyncFor)) and binds_name(node.target, name):
                kinds.append(_loop_target_kind(self.ctx, node.target, name, node.iter))
            elif (
                isinstance(node, (ast.withitem,))
                and node.optional_vars is not None
                and binds_name(node.optional_vars, name)
            ):
                kinds.append(None)
            elif isinstance(node, ast.NamedExpr) and node.target.id == name:
                kinds.append(LEAF if made_by_factory(self.ctx, node.value) else None)
            elif (
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and node.name == name
                or isinstance(node, ast.ExceptHandler)
                and node.name == name
            ):
                return None
        return kinds[0] if kinds and all(k == kinds[0] for k in kinds) else None

    def guarded_kind(self, name: ast.Name) -> str | None:
        """Inside ``if isinstance(h, torch.Tensor):`` (or ``type(h) == Variable``) ``h`` is a tensor."""
        return TENSOR if self.guard_of(name) is True else None

    def guard_of(self, name: ast.Name | ast.Attribute) -> bool | None:
        """What the innermost ``if isinstance(name, ...)`` around ``name`` says: True for a
        tensor type, False for another class; None without such a test, or when ``name`` was
        assigned again in the branch before this use (narrowing ends at a reassignment)."""
        child: ast.AST = name
        current = self.ctx.parent(name)
        while current is not None and not isinstance(current, _SCOPES):
            if isinstance(current, ast.If) and any(child is s for s in current.body):
                path = attr_path(name) or ""
                if self._tests_tensor_type(current.test, path):
                    return None if self._reassigned(current, name) else True
                if self._tests_other_type(current.test, path):
                    return None if self._reassigned(current, name) else False
            child, current = current, self.ctx.parent(current)
        return None

    @staticmethod
    def _reassigned(branch: ast.If, name: ast.Name | ast.Attribute) -> bool:
        position = (name.lineno, name.col_offset)
        for stmt in branch.body:
            if (stmt.lineno, stmt.col_offset) > position:
                break
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
            for target in targets:
                if target is None:
                    continue
                for node in ast.walk(target):  # a statement's targets: small
                    if (
                        isinstance(node, (ast.Name, ast.Attribute))
                        and attr_path(node) == attr_path(name)
                        and (node.lineno, node.col_offset) < position
                    ):
                        if (getattr(stmt, "end_lineno", 0) or 0, getattr(stmt, "end_col_offset", 0) or 0) <= position:
                            return True
        return False

    def _tests_other_type(self, test: ast.AST, name: str) -> bool:
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            return any(self._tests_other_type(v, name) for v in test.values)
        if not (
            isinstance(test, ast.Call)
            and isinstance(test.func, ast.Name)
            and test.func.id == "isinstance"
            and len(test.args) == 2
            and attr_path(test.args[0]) == name
        ):
            return False
        classes = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
        return all(
            self.ctx.qualname(c) not in TENSOR_TYPES and isinstance(c, (ast.Name, ast.Attribute)) for c in classes
        )

    def _tests_tensor_type(self, test: ast.AST, name: str) -> bool:
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            return any(self._tests_tensor_type(v, name) for v in test.values)
        if (
            isinstance(test, ast.Call)
            and isinstance(test.func, ast.Name)
            and test.func.id == "isinstance"
            and len(test.args) == 2
            and attr_path(test.args[0]) == name
        ):
            return self.ctx.qualname(test.args[1]) in TENSOR_TYPES
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.Is)):
            left, right = test.left, test.comparators[0]
            return (
                isinstance(left, ast.Call)
                and isinstance(left.func, ast.Name)
                and left.func.id == "type"
                and len(left.args) == 1
                and attr_path(left.args[0]) == name
                and self.ctx.qualname(right) in TENSOR_TYPES
            )
        return False

    # -- self attributes -----------------------------------------------------------------------------
    def self_attribute_kind(self, expr: ast.Attribute) -> str | None:
        cls = self.ctx.enclosing_class(expr)
        if cls is None:
            return None
        key = (id(cls), expr.attr)
        if key not in self._attrs:
            self._attrs[key] = self._attribute_kind(cls, expr.attr)
        return self._attrs[key]

    def _attribute_kind(self, cls: ast.ClassDef, attr: str) -> str | None:
        sites: list[ast.AST] = []
        for node in subtree(cls):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(is_self_attr(t, attr) for t in targets) and node.value is not None:
                    sites.append(node.value)
                elif any(_binds_self_attr(t, attr) for t in targets):
                    return None  # unpacked into: value unknown
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("register_buffer", "register_parameter")
                and len(node.args) >= 2
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == attr
            ):
                sites.append(node.args[1])
        values = [v for v in sites if not (isinstance(v, ast.Constant) and v.value is None)]
        if values and all(v is not None and made_by_factory(self.ctx, v) for v in values):
            return LEAF
        info = self.ctx.classes.get(cls.name)
        if not sites and info is not None and info.is_module and (attr in ("weight", "bias")):
            return LEAF  # inherited from a torch.nn layer base class (class MyLinear(nn.Linear))
        return None


def _binds_self_attr(target: ast.AST, attr: str) -> bool:
    return isinstance(target, (ast.Tuple, ast.List)) and any(is_self_attr(e, attr) for e in ast.walk(target))
