"""What PTL301 needs to know about an `nn.Module`'s `__init__`: which values are modules or
parameters, and which plain containers hold them (built at once or filled later)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from pt_lsp.core import vocabulary
from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.evidence.reaching import identity_argument, local_function, returned_values
from pt_lsp.core.evidence.tensors import PARAMETER
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._module_evidence import is_self_attr
from pt_lsp.rules.modules._trained_apart import grad_tensor_call
from pt_lsp.rules.modules._wrappers import wraps_registered

MODULE, PARAM = "module", "param"
_NOT_MODULES = {
    "torch.nn.Parameter",
    "torch.nn.UninitializedParameter",
    "torch.nn.Buffer",
    "torch.nn.UninitializedBuffer",
}
_NOT_MODULE_PACKAGES = ("torch.nn.functional.", "torch.nn.init.", "torch.nn.utils.", "torch.nn.parameter.")
EMPTY_LISTS = {"builtins.list"}
EMPTY_DICTS = {"builtins.dict", "collections.OrderedDict"}


@dataclass
class Container:
    """A plain list/tuple/dict kept on ``self``: how it is built and what goes into it."""

    shape: str  # "list" | "dict"
    elements: list[tuple[ast.AST, ast.AST]] = field(default_factory=list)  # (what is put in, its function)
    keys: list[ast.expr | None] = field(default_factory=list)  # dict keys (for ModuleDict's str keys); None: `**other`
    understood: bool = True  # every way it is filled is one we can read
    returned: bool = False  # built by a helper of the file and returned to the assignment
    built: ast.AST | None = None  # where a returned container is made (its first return's)


class InitEvidence:
    """Evidence about one class's `__init__` (and the helpers it calls on `self`)."""

    def __init__(self, ctx: FileContext, info: ClassInfo) -> None:
        self.ctx = ctx
        self.info = info
        self.functions = self._init_functions()
        self._rebound: set[str] | None = None  # names `__init__` binds, found when first needed

    def _init_functions(self) -> list[ast.AST]:
        init = self.info.methods.get("__init__")
        if init is None:
            return []
        functions: list[ast.AST] = [init]
        pending: list[ast.AST] = [init]
        while pending:
            for node in own_nodes(pending.pop()):
                if isinstance(node, ast.Call) and is_self_attr(node.func):
                    helper = self.info.methods.get(node.func.attr)
                    if helper is not None and helper not in functions:
                        functions.append(helper)
                        pending.append(helper)
        return functions

    # -- values -----------------------------------------------------------------------------------
    def element_kind(self, value: ast.AST, function: ast.AST, depth: int = 0) -> str | None:
        if isinstance(value, (ast.List, ast.Tuple, ast.Dict)) and depth < 3:
            # `[nn.Linear(...), act]` put into the list: a plain list inside registers nothing either,
            # whatever else it holds next to the module
            items = value.values if isinstance(value, ast.Dict) else value.elts
            kinds = [self.element_kind(item, function, depth + 1) for item in items]
            return next((k for k in kinds if k is not None), None)
        if isinstance(value, (ast.ListComp, ast.GeneratorExp)) and depth < 3:
            return self.element_kind(value.elt, function, depth + 1)  # `[[nn.Linear(...) for _ in ...] ...]`
        if isinstance(value, ast.Name) and depth < 3:
            if self._registered_elsewhere(function, value.id):
                return None  # `self.fc = layer` registers it: a list of it misses nothing
            bound = self.single_value(function, value.id)
            if bound is not None:
                return self.element_kind(bound, function, depth + 1)
            given = self.passed_elements(function, value.id)
            if given:  # `layer` of `for layer in layers`, `layers` given by the class's callers
                found = {self.element_kind(v, fn, depth + 1) for v, fn in given}
                return found.pop() if len(found) == 1 and None not in found else None
            return None
        if not isinstance(value, ast.Call):
            return None
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr in vocabulary.MODULE_SELF_METHODS and depth < 6:
            # `nn.Linear(...).to(device)`: a module's `to`/`cuda`/`train`... return the module itself
            return MODULE if self.element_kind(func.value, function, depth + 1) == MODULE else None
        method = self._own_method(value) if depth < 6 else None
        if method is not None and self._makes_modules(method, depth):
            return MODULE  # `self.fusion_block(c, c)`, every return of which builds a module (audit-19 M1)
        passed = identity_argument(self.ctx, value)
        if passed is not None and depth < 6:
            return self.element_kind(passed, function, depth + 1)  # `init_(nn.Linear(...))` returns it
        if wraps_registered(self.ctx, value):
            return None  # `nn.Sequential(self.conv)`: wraps what the class registers already
        qualname = self.ctx.qualname(value.func)
        if qualname == PARAMETER or grad_tensor_call(self.ctx, value) is not None:
            return PARAM
        if qualname == "copy.deepcopy" and value.args:
            return self.element_kind(value.args[0], function, depth + 1)
        if qualname is not None:
            if qualname in _NOT_MODULES or qualname.startswith(_NOT_MODULE_PACKAGES):
                return None
            last = qualname.rsplit(".", 1)[-1]
            if qualname.startswith("torch.nn.") and last[:1].isupper():
                return MODULE
            if qualname.startswith("torchvision.models."):
                return MODULE
            return MODULE if project_module_class(self.ctx, value.func) else None
        if isinstance(value.func, ast.Name) and self.ctx.names.resolve(value.func.id, value.func) is None:
            local = self.ctx.classes.get(value.func.id)
            return MODULE if local is not None and local.is_module else None
        return None

    def _makes_modules(self, method: ast.FunctionDef | ast.AsyncFunctionDef, depth: int) -> bool:
        """Whether every return of ``method`` (one at least) gives a module."""
        returns = [node.value for node in own_nodes(method) if isinstance(node, ast.Return)]
        return bool(returns) and all(
            value is not None and self.element_kind(value, method, depth + 1) == MODULE for value in returns
        )

    def _builtin(self, func: ast.AST) -> str | None:
        if isinstance(func, ast.Name) and self.ctx.names.binding(func.id, func) is None:
            return f"builtins.{func.id}"
        return None

    @staticmethod
    def _registered_elsewhere(function: ast.AST, name: str) -> bool:
        for node in own_nodes(function):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Name)
                and node.value.id == name
                and any(is_self_attr(t) for t in node.targets)
            ):
                return True
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("add_module", "register_module", "register_parameter")
                and any(isinstance(a, ast.Name) and a.id == name for a in node.args)
            ):
                return True
        return False

    # -- what the class's callers pass -------------------------------------------------------------
    def passed(self, function: ast.AST, name: str) -> list[tuple[ast.AST, ast.AST]]:
        """``(value, caller's scope)`` for each construction of the class in this file that gives
        ``__init__``'s parameter ``name`` a value (``Merge([nn.Linear(5, 3)], ...)``); empty where
        ``function`` is not ``__init__``, ``name`` is rebound in it, or nobody passes it."""
        init = self.info.methods.get("__init__")
        if function is not init or not isinstance(init, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return []
        positional = [*init.args.posonlyargs, *init.args.args]
        parameter = next((a for a in (*positional, *init.args.kwonlyargs) if a.arg == name), None)
        if parameter is None:
            return []
        if self._rebound is None:
            self._rebound = _rebound_names(init)
        if name in self._rebound:
            return []
        index = next((i for i, a in enumerate(positional) if a is parameter), None)
        found: list[tuple[ast.AST, ast.AST]] = []
        for call in _calls_by_name(self.ctx).get(self.info.name, ()):
            if self.ctx.qualname(call.func) is not None:
                continue
            given: ast.AST | None = next((k.value for k in call.keywords if k.arg == name), None)
            if given is None and index is not None and 1 <= index <= len(call.args):
                if not any(isinstance(a, ast.Starred) for a in call.args[:index]):
                    given = call.args[index - 1]  # `self` is not passed
            if given is not None:
                found.append((given, self._scope_of(call)))
        return found

    def passed_elements(self, function: ast.AST, name: str) -> list[tuple[ast.AST, ast.AST]]:
        """What ``name`` stands for when the callers decide it: the values passed for the parameter
        ``name``, or the elements of the list or tuple passed for ``P`` where ``name`` is bound
        only by ``for name in P``. Empty when a caller passes something else."""
        loops = [
            n
            for n in own_nodes(function)
            if isinstance(n, (ast.For, ast.AsyncFor)) and isinstance(n.target, ast.Name) and n.target.id == name
        ]
        bindings = sum(
            1
            for n in own_nodes(function)
            if isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load)
        )
        if not loops:
            return self.passed(function, name)
        if len(loops) != 1 or bindings != 1 or not isinstance(loops[0].iter, ast.Name):
            return []
        return _passed_elements(self.passed(function, loops[0].iter.id)) or []

    def _scope_of(self, node: ast.AST) -> ast.AST:
        current = self.ctx.parent(node)
        while current is not None and not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            current = self.ctx.parent(current)
        return current if current is not None else self.ctx.tree

    def single_value(self, function: ast.AST, name: str) -> ast.AST | None:
        """The value of ``name`` when ``function`` binds it exactly once, by a plain assignment
        (or an item of a tuple display unpacked: ``layers, width = [], 3``)."""
        values: list[ast.AST] = []
        bindings = 0
        for node in own_nodes(function):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                values.append(node.value)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                item = unpacked_item(node.targets[0], node.value, name)
                if item is not None:
                    values.append(item)
            if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
                bindings += 1
            elif isinstance(node, ast.arg) and node.arg == name:
                bindings += 2  # a parameter: its value is the caller's
        return values[0] if len(values) == 1 and bindings == 1 else None

    # -- containers --------------------------------------------------------------------------------
    def container(self, value: ast.AST, function: ast.AST, attribute: str | None) -> Container | None:
        """The container ``value`` builds (filled later through ``self.<attribute>`` or a local name)."""
        if isinstance(value, (ast.List, ast.Tuple)):
            if value.elts:
                return Container("list", [(e, function) for e in value.elts])
            return self._filled(Container("list"), attribute, None)
        if isinstance(value, ast.ListComp):
            return Container("list", [(value.elt, function)])
        if isinstance(value, ast.Dict):
            if value.keys:
                return Container(
                    "dict",
                    [(v, function) for v in value.values],
                    list(value.keys),
                    understood=all(k is not None for k in value.keys),
                )
            return self._filled(Container("dict"), attribute, None)
        if isinstance(value, ast.DictComp):
            return Container("dict", [(value.value, function)], [value.key])
        if (
            isinstance(value, ast.Call)
            and len(value.args) == 1
            and not value.keywords
            and isinstance(value.args[0], (ast.GeneratorExp, ast.ListComp))
            and self._builtin(value.func) in ("builtins.list", "builtins.tuple")
        ):
            return Container("list", [(value.args[0].elt, function)])  # tuple(nn.Conv2d(c, c, 3) for c in ...)
        mapped = _mapped_lambda(value)
        if mapped is not None and self._builtin(mapped[0].func) in ("builtins.list", "builtins.tuple"):
            if self._builtin(mapped[1].func) == "builtins.map":
                return Container("list", [(mapped[2].body, function)])  # list(map(lambda i: Block(i), ...))
        if isinstance(value, ast.Call) and not value.args and not value.keywords:
            qualname = self.ctx.qualname(value.func) or (
                f"builtins.{value.func.id}"
                if isinstance(value.func, ast.Name) and self.ctx.names.resolve(value.func.id, value.func) is None
                else None
            )
            if qualname in EMPTY_LISTS:
                return self._filled(Container("list"), attribute, None)
            if qualname in EMPTY_DICTS:
                return self._filled(Container("dict"), attribute, None)
        if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Mult)):
            return self._combined(value, function)
        argument = value
        if (
            isinstance(value, ast.Call)
            and len(value.args) == 1
            and not value.keywords
            and isinstance(value.args[0], ast.Name)
            and self._builtin(value.func) in ("builtins.list", "builtins.tuple")
        ):
            argument = value.args[0]  # `list(layers)`: a plain copy of what the callers pass
        passed = self.passed(function, argument.id) if isinstance(argument, ast.Name) and attribute is not None else []
        if passed:
            # `self.layers = layers`, the callers' plain lists: `Merge([nn.Linear(5, 3), nn.Linear(5, 4)])`
            assert isinstance(argument, ast.Name)
            elements = _passed_elements(passed, wrapped=argument.id in _wrapped_names(function))
            if elements is None:
                return None
            return self._filled(Container("list", elements), attribute, None)
        if isinstance(value, ast.Name) and attribute is not None:
            return self._local_container(function, value.id)
        if isinstance(value, ast.Call) and attribute is not None:
            return self.returned_container(value, attribute, None)
        return None

    def _combined(self, value: ast.BinOp, function: ast.AST) -> Container | None:
        """``[nn.Linear(4, 4)] * n`` (n references to one module) and ``[a, b] + [c]``: a plain
        list of what the displays and comprehensions on either side hold."""
        sides = [value.left, value.right]
        # `(n - 1) * [layer]`: the count is arithmetic too, but only a side that is a list counts
        lists = [side for side in sides if isinstance(side, (ast.List, ast.ListComp)) or _list_arithmetic(side)]
        if isinstance(value.op, ast.Mult) and len(lists) != 1:
            return None
        if isinstance(value.op, ast.Add) and len(lists) != 2:
            return None
        merged = Container("list")
        for side in lists:
            found = self.container(side, function, None)
            if found is None or found.shape != "list" or not found.elements:
                return None
            merged.elements.extend(found.elements)
        return merged

    def _local_container(self, function: ast.AST, name: str) -> Container | None:
        """The container the local ``name`` of ``function`` is bound to once, with what goes in."""
        bound = self.single_value(function, name)
        if bound is None or isinstance(bound, ast.Name):
            return None
        found = self.container(bound, function, None)
        if found is not None and not found.elements:
            return self._filled(found, None, name, function)
        return found

    def returned_container(self, call: ast.Call, attribute: str, item: tuple[int, int] | None) -> Container | None:
        """The plain container a function of the file builds and returns (``return layers``), or
        returns as item ``index`` of a tuple of ``width`` (``return layers, channels``) where ``item``
        is ``(index, width)``: the same at every return, else None. It is kept as ``self.<attribute>``,
        through which the class may fill it further."""
        helper = local_function(self.ctx, call) or self._nested_function(call) or self._own_method(call)
        returned = returned_values(helper) if helper is not None else None
        if helper is None or not returned:
            return None
        merged: Container | None = None
        for value in returned:
            if item is not None:
                index, width = item
                if not isinstance(value, ast.Tuple) or len(value.elts) != width:
                    return None
                if any(isinstance(e, ast.Starred) for e in value.elts):
                    return None
                value = value.elts[index]
            if isinstance(value, ast.Name):
                found = self._local_container(helper, value.id)
                built = self.single_value(helper, value.id)
            else:
                found, built = self.container(value, helper, None), value
            if found is None or (merged is not None and found.shape != merged.shape):
                return None
            if merged is None:
                merged = found
                merged.built = built
            else:
                merged.elements.extend(found.elements)
                merged.keys.extend(found.keys)
                merged.understood = merged.understood and found.understood
        if merged is None:
            return None
        merged.returned = True
        return self._filled(merged, attribute, None)

    def _own_method(self, call: ast.Call) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """``self._make_layers(n)``: a method of the class other than ``__init__``/``forward``."""
        if not (is_self_attr(call.func) and isinstance(call.func, ast.Attribute)):
            return None
        method = self.info.method(call.func.attr)
        return method if method is not None and method.name not in ("__init__", "forward") else None

    def _nested_function(self, call: ast.Call) -> ast.FunctionDef | None:
        """The function ``call`` calls by name when the function around the call defines it
        (``def block(cin, cout): return [nn.Conv2d(...), ...]`` inside ``__init__``) and binds
        that name nowhere else."""
        if not isinstance(call.func, ast.Name):
            return None
        scope = self._scope_of(call)
        if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        name = call.func.id
        found: list[ast.AST] = []
        for node in own_nodes(scope):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
                found.append(node)
            elif isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
                found.append(node)
            elif isinstance(node, ast.arg) and node.arg == name:
                found.append(node)
        only = found[0] if len(found) == 1 else None
        return only if isinstance(only, ast.FunctionDef) and not only.decorator_list else None

    def _filled(
        self, container: Container, attribute: str | None, local: str | None, function: ast.AST | None = None
    ) -> Container:
        """Add what ``self.<attribute>.append(...)`` / ``[k] = v`` (or the local name's) put in."""
        # An attribute may be filled by any method (`add_language` after construction).
        functions: list[ast.AST]
        if attribute is not None:
            functions = list(self.info.methods.values())
        elif function is not None:
            functions = [function]
        else:
            return container  # a local container: the caller fills it through its name
        for fn in functions:
            for node in own_nodes(fn):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    receiver, method = node.func.value, node.func.attr
                    if not self._names(receiver, attribute, local):
                        continue
                    if method in ("append", "insert") and node.args:
                        container.elements.append((node.args[-1], fn))
                    elif method == "extend" and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
                        container.elements.extend((e, fn) for e in node.args[0].elts)
                    elif (
                        method == "extend" and node.args and isinstance(node.args[0], (ast.ListComp, ast.GeneratorExp))
                    ):
                        container.elements.append((node.args[0].elt, fn))
                    elif method in ("extend", "update", "setdefault", "__setitem__"):
                        container.understood = False
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Subscript) and self._names(target.value, attribute, local):
                            container.elements.append((node.value, fn))
                            container.keys.append(target.slice)
                elif isinstance(node, ast.AugAssign) and self._names(node.target, attribute, local):
                    value = node.value
                    if isinstance(node.op, ast.Add) and isinstance(value, ast.List):  # `+= [layer, act]`
                        container.elements.extend((e, fn) for e in value.elts)
                    elif isinstance(node.op, ast.Add) and isinstance(value, ast.ListComp):
                        container.elements.append((value.elt, fn))
                    else:
                        container.understood = False
        return container

    @staticmethod
    def _names(node: ast.AST, attribute: str | None, local: str | None) -> bool:
        if attribute is not None:
            return is_self_attr(node) and node.attr == attribute
        return isinstance(node, ast.Name) and node.id == local


def _mapped_lambda(value: ast.AST) -> tuple[ast.Call, ast.Call, ast.Lambda] | None:
    """``list(map(lambda ...: item, xs))``: the outer call, the ``map(...)`` call and the lambda."""
    if not (isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords):
        return None
    inner = value.args[0]
    if isinstance(inner, ast.Call) and len(inner.args) >= 2 and isinstance(inner.args[0], ast.Lambda):
        return value, inner, inner.args[0]
    return None


def unpacked_item(target: ast.expr, value: ast.AST, name: str) -> ast.AST | None:
    """The item of the tuple display ``value`` that unpacking it into ``target`` binds to the
    local ``name`` (``layers, width = [], 3``); None where it is not that simple."""
    if not (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))):
        return None
    if len(target.elts) != len(value.elts) or any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts)):
        return None
    return next((v for t, v in zip(target.elts, value.elts) if isinstance(t, ast.Name) and t.id == name), None)


@PerFile
def _calls_by_name(ctx: FileContext) -> dict[str, list[ast.Call]]:
    """The file's calls of a plain name (``Merge(...)``), by that name: found in one pass."""
    found: dict[str, list[ast.Call]] = {}
    for call in ctx.index.of(ast.Call):
        if isinstance(call.func, ast.Name):
            found.setdefault(call.func.id, []).append(call)
    return found


def _passed_elements(
    passed: list[tuple[ast.AST, ast.AST]], wrapped: bool = False
) -> list[tuple[ast.AST, ast.AST]] | None:
    """The elements of the lists (or tuples, or a comprehension's element) the callers pass, each
    with the scope it is evaluated in; None where one passes anything else, unless the parameter
    is ``wrapped`` into a list when it is not one: then that is the element."""
    elements: list[tuple[ast.AST, ast.AST]] = []
    for given, scope in passed:
        if isinstance(given, (ast.List, ast.Tuple)) and given.elts:
            elements.extend((e, scope) for e in given.elts)
        elif isinstance(given, ast.ListComp):
            elements.append((given.elt, scope))
        elif wrapped and isinstance(given, ast.Call):
            elements.append((given, scope))
        else:
            return None
    return elements


def _rebound_names(init: ast.AST) -> set[str]:
    """The names ``__init__`` rebinds, but not a parameter only wrapped into a list of itself."""
    wrapped = _wrapped_names(init)
    return {
        n.id
        for n in own_nodes(init)
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load) and n.id not in wrapped
    }


def _wrapped_names(function: ast.AST) -> set[str]:
    """Names every binding of which in ``function`` wraps the name's own value into a list:
    ``if not isinstance(acts, list): acts = [acts] * n`` (AllenNLP's ``FeedForward``). The list
    then holds what the callers pass, or the callers' list itself."""
    wraps: dict[str, int] = {}
    bindings: dict[str, int] = {}
    for node in own_nodes(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if _wraps_itself(node.value, node.targets[0].id):
                wraps[node.targets[0].id] = wraps.get(node.targets[0].id, 0) + 1
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bindings[node.id] = bindings.get(node.id, 0) + 1
    return {name for name, count in wraps.items() if bindings.get(name) == count}


def _wraps_itself(value: ast.expr, name: str) -> bool:
    """``[name]``, ``[name] * n``, ``n * [name]`` or ``[name for _ in range(n)]``."""
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult):
        value = value.left if isinstance(value.left, (ast.List, ast.Tuple)) else value.right
    if isinstance(value, (ast.List, ast.Tuple)) and len(value.elts) == 1:
        value = value.elts[0]
    elif isinstance(value, ast.ListComp):
        value = value.elt
    else:
        return False
    return isinstance(value, ast.Name) and value.id == name


def project_module_class(ctx: FileContext, func: ast.expr) -> bool:
    """``func`` names an ``nn.Module`` class of another file of the project (``from layers import
    ConvUnit``, ``blocks.ConvUnit``), read with that file's names: its instances are modules."""
    if not isinstance(func, (ast.Name, ast.Attribute)) or not ctx.project.enabled:
        return False
    entity = ctx.project.imported_name(func)
    if not isinstance(entity, ast.ClassDef):
        return False
    other = ctx.project.context_of(entity)
    info = other.classes.get(entity.name) if other is not None else None
    return info is not None and info.node is entity and info.is_module


def _list_arithmetic(node: ast.expr) -> bool:
    """``[a] * n + [b]``: a sum or product with a list display somewhere among its operands."""
    if not isinstance(node, ast.BinOp) or not isinstance(node.op, (ast.Add, ast.Mult)):
        return False
    return any(isinstance(side, (ast.List, ast.ListComp)) or _list_arithmetic(side) for side in (node.left, node.right))
