"""What a loop hands on to the code after it and to its next iteration: sequences detached element
by element in place, running totals, the graph its elements share, the names its body reads first."""

from __future__ import annotations

import ast

from ..walk import attr_path, subtree
from .graph import GraphNodes
from .lattice import GraphNode, grade_of
from .state import State
from .values import Kind, Value


def detaches_in_place(expr: ast.expr, name: str) -> bool:
    """``name.detach_()`` or ``name.requires_grad_(False)``: the tensor leaves its graph in place."""
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)):
        return False
    func = expr.func
    if not (isinstance(func.value, ast.Name) and func.value.id == name):
        return False
    if func.attr == "detach_":
        return not expr.args and not expr.keywords
    if func.attr == "requires_grad_":
        flag = expr.args[0] if expr.args else next((k.value for k in expr.keywords if k.arg == "requires_grad"), None)
        return isinstance(flag, ast.Constant) and flag.value is False
    return False


def loop_detaching(stmt: ast.For | ast.AsyncFor) -> str | None:
    """The sequence (a name or ``obj.attr`` path) a loop detaches element by element in place,
    ``for s in state: s.detach_()``: every iteration, at the top of its body, before any
    rebinding of ``s``, in a body without break or continue. None for any other loop."""
    target, path = stmt.target, attr_path(stmt.iter)
    if not isinstance(target, ast.Name) or path is None:
        return None
    if any(isinstance(node, (ast.Break, ast.Continue)) for node in subtree(stmt)):
        return None
    for child in stmt.body:
        if isinstance(child, ast.Expr) and detaches_in_place(child.value, target.id):
            return path
        if any(
            isinstance(node, ast.Name) and node.id == target.id and not isinstance(node.ctx, ast.Load)
            for node in subtree(child)
        ):
            return None
    return None


def loop_freezing(stmt: ast.For | ast.AsyncFor) -> str | None:
    """The module (a name or ``obj.attr`` path) whose parameters a loop freezes one by one,
    ``for p in vgg.parameters(): p.requires_grad_(False)`` (or ``p.requires_grad = False``; also
    ``for name, p in vgg.named_parameters()``): unconditionally, at the top of the body, before
    any rebinding of ``p``, in a body without break or continue. None for any other loop."""
    it, target = stmt.iter, stmt.target
    if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and not it.args and not it.keywords):
        return None
    if it.func.attr == "parameters" and isinstance(target, ast.Name):
        name = target.id
    elif (
        it.func.attr == "named_parameters"
        and isinstance(target, ast.Tuple)
        and len(target.elts) == 2
        and isinstance(target.elts[1], ast.Name)
    ):
        name = target.elts[1].id
    else:
        return None
    path = attr_path(it.func.value)
    if path is None or any(isinstance(node, (ast.Break, ast.Continue)) for node in subtree(stmt)):
        return None
    for child in stmt.body:
        value = child.value if isinstance(child, ast.Expr) else None
        if value is not None and detaches_in_place(value, name) and "requires_grad_" in ast.unparse(value):
            return path
        if unsets_requires_grad(child, name):
            return path
        if any(
            isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load)
            for node in subtree(child)
        ):
            return None
    return None


def comprehension_detaching(expr: ast.expr) -> str | None:
    """The sequence a list or set comprehension statement detaches element by element in place:
    ``[s.detach_() for s in state]``."""
    if not isinstance(expr, (ast.ListComp, ast.SetComp)) or len(expr.generators) != 1:
        return None
    generator = expr.generators[0]
    if generator.ifs or not isinstance(generator.target, ast.Name):
        return None
    return attr_path(generator.iter) if detaches_in_place(expr.elt, generator.target.id) else None


def detached(value: Value) -> Value:
    """A sequence whose every element was detached in place: no graph in it or its items. A
    tensor is left as it is (its rows are views, which ``detach_()`` refuses)."""
    if value.kind is Kind.TENSOR:
        return value
    items = (
        tuple(item.with_(history=frozenset(), requires_grad=False) for item in value.items)
        if value.items
        else value.items
    )
    elem = value.elem.with_(history=frozenset(), requires_grad=False) if value.elem is not None else None
    return value.with_(history=frozenset(), items=items, elem=elem)


def shared_nodes(items: tuple[Value, ...]) -> frozenset[GraphNode]:
    """The graph nodes that saved tensors and that every one of ``items`` depends on."""
    if len(items) < 2 or not all(item.history for item in items):
        return frozenset()
    common = frozenset.intersection(*(item.history for item in items))
    return frozenset(node for node in common if node.saves)


def renamed(value: Value, node: GraphNode) -> Value:
    """``value`` (and its items) with its graph replaced by ``node``."""
    items = tuple(renamed(item, node) if item.history else item for item in value.items) if value.items else value.items
    return value.with_(history=frozenset({node}), items=items)


def frozen_after(stmt: ast.For | ast.AsyncFor, after: State) -> None:
    """After a loop that freezes a module's parameters one by one: the module is frozen, as
    ``vgg.requires_grad_(False)`` makes it (its outputs have no graph of their own)."""
    path = loop_freezing(stmt)
    module = after.env.get(path) if path is not None else None
    if module is not None and path is not None and module.kind is Kind.MODULE:
        after.env[path] = module.with_(requires_grad=False)


def fetched(batch: Value, graph: GraphNodes, target: ast.expr) -> Value:
    """One batch of a DataLoader in a loop's pass: what its dataset's ``__getitem__`` computed
    (recorded by the graph as made per item) is computed again for each batch, a new graph each
    pass; the graph of the dataset's own tensors stays the one they share."""
    made = frozenset(node for node in batch.history if graph.is_per_item(node))
    return replaced(batch, made, graph.fresh(target, grade_of(made))) if made else batch


def replaced(value: Value, old: frozenset[GraphNode], node: GraphNode, depth: int = 0) -> Value:
    """``value`` (its items, element and keyed values too) with the nodes ``old`` replaced by ``node``."""
    if depth > 4:
        return value
    changes: dict[str, object] = {}
    if value.history & old:
        changes["history"] = (value.history - old) | {node}
    if value.items:
        changes["items"] = tuple(replaced(item, old, node, depth + 1) for item in value.items)
    if value.elem is not None:
        changes["elem"] = replaced(value.elem, old, node, depth + 1)
    if value.keys:
        changes["keys"] = tuple((key, replaced(held, old, node, depth + 1)) for key, held in value.keys)
    return value.with_(**changes) if changes else value


def running_totals(after: State, before: State, ends: list[State], body: list[ast.stmt]) -> None:
    """``total = 0; for batch in loader: total += loss_of(batch)``: after the loop the total is
    the tensor the body made, on every pass; the starting number survives only a loop that never
    ran (an epoch that saw no data), so it does not blur the tensor's device and grad."""
    for node in subtree(ast.Module(body=body, type_ignores=[])):
        if not (isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)):
            continue
        if any(isinstance(n, ast.Attribute) and n.attr == "data" for n in subtree(node.value)):
            # `total += loss.data`: pre-0.4 code, where `.data` was a 1-element tensor and `total[0]`
            # then read a number (an IndexError today, before any later use): nothing to follow
            continue
        name = node.target.id
        start = before.env.get(name)
        totals = [end.env.get(name) for end in ends]
        if start is None or start.kind is not Kind.OTHER or not all(t is not None and t.is_tensor for t in totals):
            continue
        joined = totals[0]
        for total in totals[1:]:
            joined = joined.join(total) if joined is not None and total is not None else None
        if joined is not None:
            after.env[name] = joined


def live_in(body: list[ast.stmt]) -> frozenset[str]:
    """Names (and ``obj.attr`` paths) a loop body reads before it assigns them: the state one
    iteration hands to the next."""
    assigned: set[str] = set()
    read: set[str] = set()
    for stmt in body:
        loads, stores = set(), set()
        for node in subtree(stmt):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(node, (ast.Name, ast.Attribute)):
                path = attr_path(node)
                if path is None:
                    continue
                if isinstance(node.ctx, ast.Load):
                    loads.add(path)
                elif isinstance(node.ctx, ast.Store):
                    stores.add(path)
        read |= loads - assigned
        assigned |= stores
    return frozenset(read)


def unsets_requires_grad(stmt: ast.stmt, name: str) -> bool:
    """``<name>.requires_grad = False``: a parameter of a loop over parameters frozen."""
    return (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and attr_path(stmt.targets[0]) == f"{name}.requires_grad"
        and isinstance(stmt.value, ast.Constant)
        and stmt.value.value is False
    )
