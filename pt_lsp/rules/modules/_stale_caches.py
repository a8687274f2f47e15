"""PTL302's lazily built caches: ``self.mask = None`` in ``__init__`` and ``if self.mask is None:
self.mask = <tensor>`` in ``forward``. The rule leaves attributes ``forward`` assigns alone (their
device is the input's at the time); this module finds the one case where the file itself shows
the harm: the model runs (building the cache), is then moved (``model = model.to("cuda")``) and
runs again: the guard never rebuilds the cache, so the second run meets it on the first run's
device (unit8co/darts#3052, the temporal fusion transformer's attention mask).

Everything is read in one straight-line block of statements (the module, or one function body):
a call that may not run (in a branch, a loop) proves nothing, and is not looked at."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import local_function, reaching_values, returned_values
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._device_moves import moved_at_use
from pt_lsp.rules.modules._module_evidence import NOT_TENSOR_FUNCTIONS, REGISTRATIONS, Function, is_self_attr

# tensor methods whose result is no tensor
NOT_TENSOR_METHODS = {"item", "tolist", "numpy", "size", "dim", "numel", "nelement", "data_ptr", "element_size"}
# statements whose calls all run when the statement runs (a `with` body runs once)
_STRAIGHT = (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.With)


@dataclass(frozen=True)
class StaleCache:
    attr: str
    placeholder: ast.Assign  # `self.mask = None` in `__init__`
    built: ast.Assign  # `self.mask = <tensor>` under `if self.mask is None:` in `forward`
    use: ast.Attribute  # a read in `forward` that computes with it
    first_run: ast.Call  # `model(x)` before the move
    move: ast.Call  # `model.to("cuda")`
    second_run: ast.Call  # `model(x)` after it


def stale_caches(ctx: FileContext, info: ClassInfo, init: Function, forward: Function) -> list[StaleCache]:
    found: list[StaleCache] = []
    runs: tuple[ast.Call, ast.Call, ast.Call] | None | bool = False  # computed once, when needed
    placeholders = _placeholders(init)
    for attr, placeholder in placeholders.items():
        built = _guarded_build(ctx, forward, attr, placeholders) or _built_by_method(ctx, info, forward, attr)
        if built is None or _bound_elsewhere(info, attr, {id(placeholder), id(built)}):
            continue
        uses = [
            n
            for n in own_nodes(forward)
            if is_self_attr(n, attr) and isinstance(n.ctx, ast.Load) and not _in_guard_test(ctx, n)
        ]
        uses = [u for u in uses if not moved_at_use(ctx, u)]
        if not uses:
            continue
        if runs is False:
            runs = _run_move_run(ctx, info)
        if not isinstance(runs, tuple):
            return found
        found.append(StaleCache(attr, placeholder, built, uses[0], *runs))
    return found


def _placeholders(init: Function) -> dict[str, ast.Assign]:
    """``self.a = None`` statements of ``__init__``'s own body, by attribute."""
    found: dict[str, ast.Assign] = {}
    for stmt in init.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and is_self_attr(stmt.targets[0])
            and isinstance(stmt.value, ast.Constant)
            and stmt.value.value is None
        ):
            found[stmt.targets[0].attr] = stmt
    return found


def _guarded_build(
    ctx: FileContext, forward: Function, attr: str, placeholders: dict[str, ast.Assign]
) -> ast.Assign | None:
    """The one ``self.<attr> = <torch tensor>`` of ``forward``, in the body of an ``if`` (a
    statement of ``forward``'s own body) whose test is ``self.<g> is None``, where ``g`` is a
    placeholder of ``__init__`` that the same body sets (``g`` may be ``attr``): built at the
    first call, never again."""
    found: list[ast.Assign] = []
    for stmt in forward.body:
        if not isinstance(stmt, ast.If) or stmt.orelse:
            continue
        guard = _none_test(stmt.test)
        if guard is None or guard not in placeholders:
            continue
        sets = {
            n.targets[0].attr: n
            for n in stmt.body
            if isinstance(n, ast.Assign)
            and len(n.targets) == 1
            and is_self_attr(n.targets[0])
            and not (isinstance(n.value, ast.Constant) and n.value.value is None)
        }
        node = sets.get(attr)
        if guard in sets and node is not None and _torch_tensor(ctx, node.value):
            found.append(node)
    return found[0] if len(found) == 1 else None


def _built_by_method(ctx: FileContext, info: ClassInfo, forward: Function, attr: str) -> ast.Assign | None:
    """``self.set_cell_anchors(x.device)``, a statement of ``forward``'s own body, calling a method
    that starts with ``if self.<attr> is not None: return`` and then binds ``self.<attr>`` once,
    in its own body, to a tensor or a list of tensors (torchvision#1312's anchor generator): built
    at the first call, never again."""
    for stmt in forward.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not (isinstance(call, ast.Call) and is_self_attr(call.func)):
            continue
        assert isinstance(call.func, ast.Attribute)
        method = info.methods.get(call.func.attr)
        if method is None or method is forward or not method.body:
            continue
        first = method.body[0]
        if not (
            isinstance(first, ast.If)
            and not first.orelse
            and _not_none_test(first.test) == attr
            and len(first.body) == 1
            and isinstance(first.body[0], ast.Return)
        ):
            continue
        sets = [
            n
            for n in method.body[1:]
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and is_self_attr(n.targets[0], attr)
        ]
        if len(sets) == 1 and _tensors(ctx, sets[0].value):
            return sets[0]
    return None


def _not_none_test(test: ast.expr) -> str | None:
    """``g`` of the test ``self.g is not None``."""
    return _none_test(test, ast.IsNot)


def _tensors(ctx: FileContext, value: ast.expr) -> bool:
    """A torch tensor, or a list of them (a display or a comprehension), where a call of a
    function of the file counts when every one of its returns is a torch tensor."""
    if isinstance(value, (ast.List, ast.Tuple)) and value.elts:
        return all(_tensors(ctx, e) for e in value.elts)
    if isinstance(value, ast.ListComp):
        return _tensors(ctx, value.elt)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        helper = local_function(ctx, value)
        returned = returned_values(helper) if helper is not None else None
        if returned:
            return all(isinstance(r, ast.expr) and _torch_tensor(ctx, r) for r in returned)
    return _torch_tensor(ctx, value)


def _none_test(test: ast.expr, op: type[ast.cmpop] = ast.Is) -> str | None:
    """``g`` of the test ``self.g is None`` (``op``: ``ast.IsNot`` for ``self.g is not None``)."""
    if (
        isinstance(test, ast.Compare)
        and is_self_attr(test.left)
        and len(test.ops) == 1
        and isinstance(test.ops[0], op)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        return test.left.attr
    return None


def _in_guard_test(ctx: FileContext, node: ast.AST) -> bool:
    parent = ctx.parent(node)
    return isinstance(parent, ast.Compare) and isinstance(ctx.parent(parent), ast.If) and parent.left is node


def _torch_tensor(ctx: FileContext, value: ast.expr, depth: int = 0) -> bool:
    """A torch function's result (``torch.triu(ones, 1).bool()``, ``torch.arange(n, device=d)[:, None]``),
    arithmetic with one, a tensor method of one, or a local bound only to such: a tensor, not a
    torch class's object."""
    while True:
        if isinstance(value, ast.Subscript):
            value = value.value
        elif (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr not in NOT_TENSOR_METHODS
            and ctx.qualname(value.func) is None
        ):
            value = value.func.value  # `.bool()`, `.cos()`, `.unsqueeze(0)`: a tensor's method
        else:
            break
    if depth > 3:
        return False
    if isinstance(value, ast.BinOp):
        return _torch_tensor(ctx, value.left, depth + 1) or _torch_tensor(ctx, value.right, depth + 1)
    if isinstance(value, ast.Name):
        values = reaching_values(ctx, value)
        return bool(values) and all(isinstance(v, ast.expr) and _torch_tensor(ctx, v, depth + 1) for v in values or ())
    if not isinstance(value, ast.Call):
        return False
    qualname = ctx.qualname(value.func) or ""
    name = qualname.rsplit(".", 1)[-1]
    return (
        qualname.startswith("torch.")
        and not qualname.startswith(NOT_TENSOR_FUNCTIONS)
        and (not name[:1].isupper() or name.endswith("Tensor"))
    )


def _bound_elsewhere(info: ClassInfo, attr: str, mine: set[int]) -> bool:
    """``self.<attr>`` bound by any statement but ``mine`` (a reset, a rebuild), or registered."""
    for method in info.methods.values():
        for node in ast.walk(method):
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Delete)) and id(node) not in mine:
                targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                if any(is_self_attr(t, attr) for target in targets for t in ast.walk(target)):
                    return True
            elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                if name in REGISTRATIONS | {"setattr", "delattr"}:
                    return True
    return False


def _run_move_run(ctx: FileContext, info: ClassInfo) -> tuple[ast.Call, ast.Call, ast.Call] | None:
    """In one block of the file: ``m = Cls(...)``, then a statement that calls ``m(...)``, then
    one that moves it (``m.to(device)``, ``m = m.to(device)``, ``m.cuda()``), then one that calls
    it again; every statement straight-line, ``m`` bound by nothing else in between."""
    for block in _blocks(ctx):
        for start, stmt in enumerate(block):
            name = _instance_bound(ctx, stmt, info)
            if name is None:
                continue
            first = move = None
            for later in block[start + 1 :]:
                if not isinstance(later, _STRAIGHT):
                    break
                call = _called(later, name)
                moved = _moved(later, name)
                if moved is not None:
                    if first is None:
                        break
                    move = moved
                    continue
                if _rebinds(later, name):
                    break
                if call is not None and first is None:
                    first = call
                elif call is not None and move is not None and first is not None:
                    return first, move, call
    return None


def _blocks(ctx: FileContext) -> list[list[ast.stmt]]:
    tree = ctx.tree
    blocks = [list(tree.body)] if isinstance(tree, ast.Module) else []
    for node in ctx.index.of(ast.FunctionDef):
        if isinstance(node, ast.FunctionDef):
            blocks.append(list(node.body))
    return blocks


def _instance_bound(ctx: FileContext, stmt: ast.stmt, info: ClassInfo) -> str | None:
    """``m = Cls(...)`` (also ``Cls(...).eval()``): the name bound to a new instance of the class."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
        return None
    value = stmt.value
    while (
        isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("eval", "train")
    ):
        value = value.func.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == info.name:
        if ctx.classes.get(info.name) is info:
            return stmt.targets[0].id
    return None


def _called(stmt: ast.stmt, name: str) -> ast.Call | None:
    for node in ast.walk(stmt):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            return node
    return None


def _moved(stmt: ast.stmt, name: str) -> ast.Call | None:
    """``m.to(device)`` / ``m.cuda()`` / ``m.cpu()`` as the statement, or ``m = m.to(device)``."""
    value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
    if isinstance(stmt, ast.Assign) and not (
        len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == name
    ):
        return None
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return None
    receiver = value.func.value
    if not (isinstance(receiver, ast.Name) and receiver.id == name):
        return None
    if value.func.attr in ("cuda", "cpu"):
        return value
    if value.func.attr == "to" and (value.args or any(k.arg == "device" for k in value.keywords)):
        first = value.args[0] if value.args else None
        dtype = (  # `m.to(torch.float16)`: a cast, not a move
            isinstance(first, ast.Attribute)
            and isinstance(first.value, ast.Name)
            and first.value.id == "torch"
            and first.attr != "device"
        )
        return None if dtype else value
    return None


def _rebinds(stmt: ast.stmt, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in ast.walk(stmt))
