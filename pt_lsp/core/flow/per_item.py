"""Per-item graphs of a loop over agents (audit-9 R1's neighbour): ``mus = [agent.actor(o) for i,
agent in enumerate(agents)]`` before ``for i, agent in enumerate(agents):``, whose body reads
only the current agent's own item of ``mus`` with a graph (``mus[i]``, or ``mus[j]`` under
``j == i``) and the others detached, and steps that agent's own optimizer after its backward.
The analysis folds the agents into one, so the step seems to update what the next agent's
backward goes through; it updated the previous agent's actor, whose item is never read with
its graph again. Proven syntactically, once per (loop, list): linear in the loop body."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..walk import attr_path
from .lattice import GraphNode
from .state import LoopFrame
from .values import Value

if TYPE_CHECKING:
    from ..context import FileContext

_DETACHING = ("detach", "data", "numpy", "item", "tolist")
_BOUNDARIES = (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def loop_form(target: ast.expr, iterable: ast.expr) -> tuple[str, str | None, str] | None:
    """``for i, agent in enumerate(X)`` -> (X's text, "i", "agent"); ``for agent in X`` ->
    (X's text, None, "agent"); None otherwise."""
    if (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id == "enumerate"
        and len(iterable.args) == 1
        and not iterable.keywords
        and isinstance(target, ast.Tuple)
        and len(target.elts) == 2
        and all(isinstance(e, ast.Name) for e in target.elts)
    ):
        index, item = target.elts
        assert isinstance(index, ast.Name) and isinstance(item, ast.Name)
        return ast.unparse(iterable.args[0]), index.id, item.id
    if isinstance(target, ast.Name):
        return ast.unparse(iterable), None, target.id
    return None


class PerItem:
    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.answers: dict[tuple[int, str], str | None] = {}  # (id(loop), list name) -> comp item
        self.comprehension_lists: dict[int, frozenset[str]] = {}  # id(function) -> names bound so

    def own_item_only(
        self, frame: LoopFrame, node: GraphNode, owners: frozenset[str], backward: ast.Call, step: ast.Call
    ) -> bool:
        """Whether the update of ``node`` by ``step`` cannot reach ``backward``: ``node`` made
        before the loop, held there only by a list built per item of the loop's iterable, its
        owners that item's modules; the loop reads only its own item's entry with a graph, and
        ``step`` is the item's own optimizer, after ``backward`` in the loop's body (it ran in an
        earlier iteration, on an earlier item)."""
        loop = frame.node
        if not isinstance(loop, (ast.For, ast.AsyncFor)) or frame.entry is None or node.uid > frame.start_uid:
            return False
        form = loop_form(loop.target, loop.iter)
        if form is None:
            return False
        holders = {name for name, value in frame.entry.env.items() if "." not in name and carries(value, node)}
        if len(holders) != 1:
            return False
        name = holders.pop()
        key = (id(loop), name)
        if key not in self.answers:
            self.answers[key] = self.comprehension_item(loop, name, form)
        item = self.answers[key]
        if item is None or not owners or not all(self.items_module(owner, owners, item) for owner in owners):
            return False  # the node saved the parameters of the comprehension's item's modules only
        # the update is the loop item's own optimizer (`agent.actor_optimizer.step()`), after
        # the backward in the body, not in a loop of its own inside it
        receiver = step.func.value if isinstance(step.func, ast.Attribute) else None
        path = attr_path(receiver) if receiver is not None else None
        if path is None or path.split(".")[0] != form[2] or not self.directly_in(step, loop):
            return False
        if not self.directly_in(backward, loop) or (step.lineno, step.col_offset) <= (
            backward.lineno,
            backward.col_offset,
        ):
            return False
        return True

    def own_entries_only(
        self, frame: LoopFrame, hit: list[GraphNode], call: ast.Call, freed: dict[GraphNode, ast.Call]
    ) -> bool:
        """Whether the nodes ``hit`` that an earlier pass freed are other entries' graphs (audit-11
        G1): each made before the loop in the element of a list comprehension over ``range(n)`` or
        a list, every list holding them before the loop built so (per item), and the loop, over
        distinct indices (``range``, ``reversed(range)``, ``enumerate``), reads those lists only
        at its own index; the backward that freed them is this one or a later one of the body,
        so it ran in an earlier pass, on an earlier entry. One walk per (loop, list)."""
        loop = frame.node
        if not isinstance(loop, (ast.For, ast.AsyncFor)) or frame.entry is None:
            return False
        index = distinct_index(loop)
        if index is None or not self.directly_in(call, loop):
            return False
        for node in hit:
            earlier = freed[node]
            if node.uid > frame.start_uid or not self.directly_in(earlier, loop) or _before(earlier, call):
                return False
            if self.own_comprehension(node.site, loop) is None:
                return False
        holders = {name for name, value in frame.entry.env.items() if any(carries(value, node) for node in hit)}
        if not holders:
            return False
        for name in holders:
            key = (id(loop), "entries:" + name)
            if key not in self.answers:
                ok = "." not in name and self.per_item_list(loop, name) and self.reads_own_entry_only(loop, name, index)
                self.answers[key] = "" if ok else None
            if self.answers[key] is None:
                return False
        return True

    def own_entries_in(self, comp: ast.AST, env: dict[str, Value], freed: list[GraphNode]) -> bool:
        """Whether a list comprehension that differentiates entry ``i`` of per-item lists at its
        own index (``[grad(loss[i], params) for i in range(n)]``, a MAML step; audit-12 G1) freed,
        in its first element, only nodes of such entries: each later element reaches its own
        entry's graph, never one an earlier element freed. ``env``: the names before it."""
        if not isinstance(comp, ast.ListComp) or not freed or not self.aligned(comp, self.listed(comp)):
            return False
        if any(self.own_comprehension(node.site, comp) is None for node in freed):
            return False
        holders = {name for name, value in env.items() if any(carries(value, node) for node in freed)}
        for name in holders:
            key = (id(comp), "entries:" + name)
            if key not in self.answers:
                self.answers[key] = "" if "." not in name and self.per_item_list(comp, name) else None
            if self.answers[key] is None:
                return False
        return bool(holders)

    def own_comprehension(self, site: object, loop: ast.AST) -> ast.ListComp | None:
        """The aligned list comprehension (assigned to a name) whose element ``site`` is in,
        where every loop around ``loop`` in its function also runs the comprehension (else the
        next run of the loop reads entries an earlier one freed)."""
        if not isinstance(site, ast.AST):
            return None
        child, parent = site, self.ctx.parent(site)
        while parent is not None and not isinstance(parent, ast.ListComp):
            if isinstance(parent, _BOUNDARIES):
                return None
            child, parent = parent, self.ctx.parent(parent)
        if not isinstance(parent, ast.ListComp) or child is not parent.elt:
            return None
        assign = self.ctx.parent(parent)
        if not (
            isinstance(assign, ast.Assign) and len(assign.targets) == 1 and isinstance(assign.targets[0], ast.Name)
        ):
            return None
        if not self.aligned(parent, self.listed(parent)):
            return None
        above = self.ctx.parent(loop)
        while above is not None and not isinstance(above, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if isinstance(above, (ast.For, ast.AsyncFor, ast.While)) and not _inside(self.ctx, assign, above):
                return None
            above = self.ctx.parent(above)
        return parent

    def per_item_list(self, loop: ast.AST, name: str) -> bool:
        """Every binding of ``name`` in the loop's (or comprehension's) function is ``name =
        [aligned comprehension]`` before it (none in it)."""
        function = self.ctx.parent(loop)
        while function is not None and not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            function = self.ctx.parent(function)
        if function is None:
            return False
        found = False
        listed = self.listed(loop)
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
                assign = self.ctx.parent(node)
                if not (
                    isinstance(assign, ast.Assign)
                    and assign.targets == [node]
                    and isinstance(assign.value, ast.ListComp)
                    and self.aligned(assign.value, listed)
                    and not _inside(self.ctx, assign, loop)
                ):
                    return False
                found = True
        return found

    def listed(self, node: ast.AST) -> frozenset[str]:
        """The names that ``node``'s function binds to a list comprehension (once per function)."""
        function = self.ctx.parent(node)
        while function is not None and not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            function = self.ctx.parent(function)
        if function is None:
            return frozenset()
        found = self.comprehension_lists.get(id(function))
        if found is None:
            found = self.comprehension_lists[id(function)] = frozenset(
                target.id
                for assign in ast.walk(function)
                if isinstance(assign, ast.Assign) and isinstance(assign.value, ast.ListComp)
                for target in assign.targets
                if isinstance(target, ast.Name)
            )
        return found

    @staticmethod
    def aligned(comp: ast.ListComp, listed: frozenset[str]) -> bool:
        """``[f(x) for x in xs]``, ``[f(i, xs[i]) for i in range(n)]``, ``[... for i, x in
        enumerate(xs)]``: entry k made from item k only. The element indexes other names only by
        the comprehension's index (``logs[i]``, never ``logs[0]``), and reads a list made by a
        comprehension (``listed``) only so (not ``torch.stack(logs)``)."""
        if len(comp.generators) != 1:
            return False
        generator = comp.generators[0]
        if generator.ifs or generator.is_async:
            return False
        target, iterable = generator.target, generator.iter
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "range":
            index = target.id if isinstance(target, ast.Name) and len(iterable.args) == 1 else None
            if index is None:
                return False
        else:
            form = loop_form(target, iterable)
            source = iterable.args[0] if isinstance(iterable, ast.Call) and iterable.args else iterable
            if form is None or attr_path(source if form[1] else iterable) is None:
                return False
            index = form[1]
        own = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        entries: set[int] = set()  # `logs[i]`: the Name nodes read at the index
        for node in ast.walk(comp.elt):
            if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp, ast.Lambda)):
                return False
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id not in own:
                if not (isinstance(node.slice, ast.Name) and node.slice.id == index):
                    return False
                entries.add(id(node.value))
            elif isinstance(node, ast.Name) and node.id in listed and id(node) not in entries and node.id not in own:
                return False
        return True

    @staticmethod
    def items_module(owner: str, owners: frozenset[str], item: str) -> bool:
        """``agent.actor``, or ``self.fc2`` (inside the forward) beside ``agent.actor.fc2``."""
        root, _, rest = owner.partition(".")
        if root == item:
            return True
        return root == "self" and any(o.startswith(item + ".") and o.endswith("." + rest) for o in owners)

    def directly_in(self, node: ast.AST, loop: ast.AST) -> bool:
        parent = self.ctx.parent(node)
        while parent is not None and parent is not loop:
            if isinstance(
                parent, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            ):
                return False
            parent = self.ctx.parent(parent)
        return parent is loop

    def comprehension_item(
        self, loop: ast.For | ast.AsyncFor, name: str, form: tuple[str, str | None, str]
    ) -> str | None:
        """The item name of the one comprehension assigned to ``name`` before ``loop`` in its
        function, over the loop's iterable in the same form (None: not that shape, or the loop
        reads another item's entry with its graph)."""
        function = self.ctx.parent(loop)
        while function is not None and not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            function = self.ctx.parent(function)
        if function is None:
            return None
        assigned = [
            node
            for node in ast.walk(function)
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.NamedExpr, ast.For, ast.AsyncFor))
            and any(
                isinstance(t, ast.Name) and t.id == name
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                for t in ast.walk(target)
            )
        ]
        if len(assigned) != 1 or not isinstance(assigned[0], ast.Assign) or assigned[0].lineno >= loop.lineno:
            return None
        value = assigned[0].value
        if not isinstance(value, ast.ListComp) or len(value.generators) != 1:
            return None
        generator = value.generators[0]
        if generator.ifs or generator.is_async:
            return None
        comp = loop_form(generator.target, generator.iter)
        if comp is None or comp[0] != form[0] or (comp[1] is None) != (form[1] is None):
            return None
        if not self.reads_own_entry_only(loop, name, form[1]):
            return None
        return comp[2]

    def reads_own_entry_only(self, loop: ast.For | ast.AsyncFor, name: str, index: str | None) -> bool:
        """Each read of ``name`` in the loop is ``name[index]``, ``name[j]`` on the side of
        ``j == index``, or an entry detached at once (``name[j].detach()``); neither
        ``name`` nor the index is rebound in the body."""
        if index is None:
            return False
        parents = {id(child): parent for parent in ast.walk(loop) for child in ast.iter_child_nodes(parent)}
        for node in ast.walk(loop):
            if isinstance(node, ast.Name) and node.id in (name, index) and isinstance(node.ctx, (ast.Store, ast.Del)):
                if node is not loop.target and not any(node is e for e in ast.walk(loop.target)):
                    return False
            if not (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)):
                continue
            read = parents.get(id(node))
            if not (isinstance(read, ast.Subscript) and read.value is node):
                return False
            above = parents.get(id(read))
            if isinstance(above, ast.Attribute) and above.attr in _DETACHING:
                continue
            if isinstance(read.slice, ast.Name) and read.slice.id == index:
                continue
            if not (isinstance(read.slice, ast.Name) and guarded(read, read.slice.id, index, parents)):
                return False
        return True


def carries(value: Value, node: GraphNode) -> bool:
    """Whether ``value`` (a list: its element or items) holds ``node``'s graph."""
    if node in value.history:
        return True
    if value.elem is not None and carries(value.elem, node):
        return True
    return any(carries(item, node) for item in value.items or ())


def guarded(read: ast.AST, other: str, index: str, parents: dict[int, ast.AST]) -> bool:
    """Whether ``read`` sits on the true side of ``other == index`` (an ``if`` expression or
    statement), so ``other`` is the index there."""
    child, parent = read, parents.get(id(read))
    while parent is not None:
        test = None
        if isinstance(parent, ast.IfExp) and child is parent.body:
            test = parent.test
        elif isinstance(parent, ast.If) and any(child is stmt for stmt in parent.body):
            rebound = any(
                isinstance(n, ast.Name) and n.id in (other, index) and not isinstance(n.ctx, ast.Load)
                for stmt in parent.body
                for n in ast.walk(stmt)
            )
            test = None if rebound else parent.test
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)
            and {ast.unparse(test.left), ast.unparse(test.comparators[0])} == {other, index}
        ):
            return True
        child, parent = parent, parents.get(id(parent))
    return False


def distinct_index(loop: ast.For | ast.AsyncFor) -> str | None:
    """The loop's index where each pass has its own: ``for i in range(...)``, ``for i in
    reversed(range(...))``, ``for i, x in enumerate(...)``."""
    iterable, target = loop.iter, loop.target
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "reversed":
        iterable = iterable.args[0] if len(iterable.args) == 1 else iterable
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "range":
        return target.id if isinstance(target, ast.Name) else None
    form = loop_form(target, loop.iter)
    return form[1] if form is not None else None


def _before(node: ast.AST, other: ast.AST) -> bool:
    return (node.lineno, node.col_offset) < (other.lineno, other.col_offset)  # type: ignore[attr-defined]


def _inside(ctx: FileContext, node: ast.AST, ancestor: ast.AST) -> bool:
    parent = ctx.parent(node)
    while parent is not None and parent is not ancestor:
        parent = ctx.parent(parent)
    return parent is ancestor
