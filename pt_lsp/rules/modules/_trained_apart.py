"""Tensors requiring grad outside ``parameters()`` (PTL301, PTL302): the calls that make one
(``torch.randn(..., requires_grad=True)``, ``.requires_grad_()``), an attribute made trainable,
and the evidence that a class trains such a tensor apart on purpose, with an optimizer of its own
(a SAC temperature, DARTS's architecture weights), which excuses it from both rules."""

from __future__ import annotations

import ast

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.tensors import PARAMETER, TENSOR_FACTORIES, TENSOR_METHODS, made_by_factory
from pt_lsp.core.vocabulary import NN_INIT_IN_PLACE
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._module_evidence import is_self_attr

VARIABLE = "torch.autograd.Variable"


def requires_grad_keyword(call: ast.Call) -> ast.keyword | None:
    for keyword in call.keywords:
        if keyword.arg == "requires_grad" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True:
            return keyword
    return None


def grad_tensor_call(ctx: FileContext, value: ast.AST) -> ast.Call | None:
    """The call that makes ``value`` a tensor requiring grad: ``torch.randn(..., requires_grad=True)``,
    ``Variable(t, requires_grad=True)`` or ``torch.zeros(...).requires_grad_()``, possibly followed
    by ``.to(device)`` and the like (None otherwise)."""
    while isinstance(value, ast.Call):
        qualname = ctx.qualname(value.func)
        if qualname in NN_INIT_IN_PLACE and value.args:
            value = value.args[0]  # `nn.init.xavier_uniform_(torch.empty(..., requires_grad=True))`: that tensor
            continue
        if qualname is not None:
            if qualname in TENSOR_FACTORIES - {PARAMETER} or qualname == VARIABLE:
                return value if requires_grad_keyword(value) else None
            return None
        func = value.func
        if not isinstance(func, ast.Attribute):
            return None
        if func.attr == "requires_grad_":
            plain = not value.keywords and (
                not value.args or (isinstance(value.args[0], ast.Constant) and value.args[0].value is True)
            )
            return value if plain and made_by_factory(ctx, func.value) not in (None, PARAMETER) else None
        if func.attr not in TENSOR_METHODS:
            return None
        value = func.value
    return None


def made_trainable(info: ClassInfo, attr: str) -> bool:
    """``self.<attr>.requires_grad_()`` or ``self.<attr>.requires_grad = True`` in the class."""
    for node in ast.walk(info.node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "requires_grad_":
            if is_self_attr(node.func.value, attr):
                return True
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is True:
            if any(
                isinstance(t, ast.Attribute) and t.attr == "requires_grad" and is_self_attr(t.value, attr)
                for t in node.targets
            ):
                return True
    return False


# Calls that train the tensors they are given: an optimizer of `torch.optim` (not a scheduler),
# or `torch.autograd.grad` / `backward(inputs=...)`, whose gradients then go to a hand-written step.
_GRAD_TAKERS = {"torch.autograd.grad", "torch.autograd.backward"}
_NOT_OPTIMIZERS = ("torch.optim.lr_scheduler.", "torch.optim.swa_utils.")
_DISPLAYS = (ast.List, ast.Tuple, ast.Set)


def trained_apart(ctx: FileContext, info: ClassInfo, attr: str) -> ast.AST | None:
    """Evidence that ``self.<attr>`` is kept out of ``parameters()`` on purpose and trained on its
    own (a SAC temperature with ``Adam([self.log_alpha])``, DARTS's architecture weights): the
    file hands the attribute, a container of the class holding it, or a method of the class
    returning it to an optimizer or to ``torch.autograd.grad``; or a method of the class returns
    it in a list or tuple (``def arch_parameters(self): return self._arch_parameters``): the
    accessor of a parameter group of its own, as ``parameters()`` is of the registered ones,
    through which an optimizer (maybe in another file) gets it. The node that shows it, or None."""
    holders = {attr}  # the attribute and the containers of the class it is put in
    for node in ast.walk(info.node):
        target: ast.AST | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and _in_display(node.value, holders):
            target = node.targets[0]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("append", "extend")
            and any(_in_display(a, holders) or (is_self_attr(a) and a.attr in holders) for a in node.args)
        ):
            target = node.func.value
        if target is not None and is_self_attr(target):
            holders.add(target.attr)
    accessors: set[str] = set()  # methods returning the attribute itself (a getter)
    for method in info.methods.values():
        for node in own_nodes(method):
            if not isinstance(node, ast.Return) or node.value is None:
                continue
            if _in_display(node.value, holders) or (is_self_attr(node.value) and node.value.attr in holders - {attr}):
                return node
            if is_self_attr(node.value, attr):
                accessors.add(method.name)
    names = holders | accessors
    for call in ctx.index.of(ast.Call):
        assert isinstance(call, ast.Call)
        qualname = ctx.qualname(call.func) or ""
        optimizer = qualname.startswith("torch.optim.") and not qualname.startswith(_NOT_OPTIMIZERS)
        if not optimizer and qualname not in _GRAD_TAKERS:
            continue
        arguments = (*call.args, *(k.value for k in call.keywords))
        if any(_reads(a, accessors) or _local_reads(ctx, a, accessors) for a in arguments):
            return call  # through a method of the class, which the call's function names
        if _connected(ctx, call, info) and any(_reads(a, names) or _local_reads(ctx, a, names) for a in arguments):
            return call
    return None


def _connected(ctx: FileContext, call: ast.Call, info: ClassInfo) -> bool:
    """``call`` runs in the module's own code, in a method of the class, or in a function that
    names the class: the server re-lints the class's findings when any of those changes
    (``core/incremental``), so a finding may rest on it. An attribute of the same name read in a
    function unrelated to the class (``def make(agent): Adam([agent.log_alpha])``) does not count."""
    unit: ast.AST | None = None
    node: ast.AST | None = call
    while node is not None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            unit = node
        node = ctx.parent(node)
    if unit is None or any(unit is m for m in info.methods.values()):
        return True
    return any(isinstance(n, ast.Name) and n.id == info.node.name for n in ast.walk(unit))


def _in_display(value: ast.AST, holders: set[str]) -> bool:
    """``[self.a, self.b]`` (also nested) with one of ``holders`` as an item."""
    if not isinstance(value, _DISPLAYS):
        return False
    return any((is_self_attr(e) and e.attr in holders) or _in_display(e, holders) for e in value.elts)


def _reads(value: ast.AST, names: set[str]) -> bool:
    """``value`` reads an attribute (or calls a method) of one of ``names`` anywhere inside it, of
    ``self`` or of another object: the optimizer may be built outside the class
    (``Adam([agent.log_alpha])``, ``[{"params": model.arch_parameters(), "lr": lr}]``)."""
    return any(isinstance(n, ast.Attribute) and n.attr in names for n in ast.walk(value))


def _local_reads(ctx: FileContext, argument: ast.AST, names: set[str]) -> bool:
    """``params = [self.log_alpha]`` then ``Adam(params)`` in the same function."""
    if not isinstance(argument, ast.Name):
        return False
    scope = ctx.parent(argument)
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        scope = ctx.parent(scope)
    return scope is not None and any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == argument.id for t in node.targets)
        and _reads(node.value, names)
        for node in own_nodes(scope)
    )
