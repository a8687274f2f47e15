"""Where a file may switch a parameter's ``requires_grad`` off (PTL203, PTL205): the freezes a
leaf's evidence must rule out before a parameter counts as one that requires grad.
:class:`~pt_lsp.rules.autograd._leaves.LeafEvidence` holds one :class:`FreezeEvidence` and asks it.
"""

from __future__ import annotations

import ast
from bisect import bisect_left, bisect_right
from functools import cached_property

from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import arguments_at_calls, instantiation_arguments
from pt_lsp.core.flow.values import Step
from pt_lsp.core.walk import attr_path, own_nodes

FREEZE_WORDS = (
    "requires_grad = False",
    "requires_grad=False",
    "requires_grad_(False)",
    "requires_grad_(requires_grad=False)",
)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _literal(expr: ast.expr | None, value: object) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is value


def scope_node(ctx: FileContext, node: ast.AST) -> ast.AST:
    """The function, lambda or module whose own code holds ``node``."""
    return ctx.names.scope_of(node).node


class FreezeEvidence:
    """The freeze questions of leaf evidence, answered once per file."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._scope_sites: dict[int, tuple[list[tuple[int, int]], list[ast.AST]]] = {}

    @cached_property
    def freezes(self) -> bool:
        """The file switches requires_grad off somewhere: parameters may be frozen."""
        text = self.ctx.doc.text
        return any(word in text for word in FREEZE_WORDS)

    def frozen_by_name(self, name: str) -> bool:
        """``<name>.requires_grad = False`` (or ``_(False)``, ``detach_()``) somewhere in the text."""
        text = self.ctx.doc.text
        return any(text.endswith(name, 0, at) for at in self._freezing_sites)

    @cached_property
    def _freezing_sites(self) -> list[int]:
        """Where each ``.requires_grad = False``-like suffix starts: found once, not once per name."""
        text = self.ctx.doc.text
        sites = []
        for word in ("requires_grad = False", "requires_grad=False", "requires_grad_(False)", "detach_()"):
            at = text.find(f".{word}")
            while at != -1:
                sites.append(at)
                at = text.find(f".{word}", at + 1)
        return sites

    @cached_property
    def _freeze_word_sites(self) -> list[int]:
        """Where each freeze word starts, dotted or not (``requires_grad=False`` in a call)."""
        text = self.ctx.doc.text
        sites = []
        for word in (*FREEZE_WORDS, ".detach_()"):
            at = text.find(word)
            while at != -1:
                sites.append(at)
                at = text.find(word, at + 1)
        return sites

    def frozen_only_after(self, expr: ast.Name, scope: ast.AST) -> bool:
        """Every freeze in the file is ``expr``'s own name's, later in the function's code than
        ``expr`` and outside any loop around it: ``E[:, 0::2] = ...`` in a helper that then sets
        ``E.requires_grad = False`` writes into a leaf that still requires grad."""
        if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        if _outermost_loop(self.ctx, expr, scope) is not None:
            return False  # the next iteration runs after the freeze
        doc, text, name = self.ctx.doc, self.ctx.doc.text, expr.id
        after, end = doc.offset(doc.node_span(expr).end), doc.offset(doc.node_span(scope).end)
        for at in self._freeze_word_sites:
            dot = at if text.startswith(".", at) else at - 1
            before = dot - len(name) - 1
            if not (after < at < end and text.startswith(f"{name}.", dot - len(name))):
                return False
            if before >= 0 and (text[before].isidentifier() or text[before].isdigit() or text[before] == "."):
                return False  # `self.E.requires_grad = False`: another object's attribute
        return bool(self._freeze_word_sites)

    def not_frozen_since_made(self, expr: ast.Attribute) -> tuple[Step, ...] | None:
        """``layer.weight`` still requires grad where a file freezes parameters: the layer was
        made in this scope, in a block around ``expr``, and between there and ``expr`` nothing
        can switch its ``requires_grad`` off (no call is handed it or ``self``), except freezes
        under ``if flag:`` that every call of the function skips (``freeze=False`` at each
        construction of the class). The steps that show the skipped freezes; None: unknown."""
        layer = attr_path(expr.value)
        if layer is None:
            return None
        full = f"{layer}.{expr.attr}"
        root = layer.split(".")[0]
        scope = scope_node(self.ctx, expr)
        at = (expr.lineno, expr.col_offset)
        positions, nodes = self._assignments_and_calls(scope)
        made = [
            node
            for node in nodes[: bisect_left(positions, at)]
            if isinstance(node, ast.Assign) and any(attr_path(t) == layer for t in node.targets)
        ]
        if not made:
            return None
        creation = made[-1]
        if not self._encloses(self.ctx.parent(creation), expr):
            return None  # made in a branch: another path may bring another layer
        start = (creation.end_lineno or creation.lineno, creation.end_col_offset or 0)
        loop = _outermost_loop(self.ctx, expr, scope)
        # between the creation and `expr`, and anywhere in a loop around `expr` (the next iteration)
        spans = [(start, at)]
        if loop is not None:
            spans.append(((loop.lineno, loop.col_offset), (loop.end_lineno or loop.lineno, loop.end_col_offset or 0)))
        low, high = min(a for a, _ in spans), max(b for _, b in spans)
        skipped: list[Step] = []
        for position, node in zip(
            positions[bisect_left(positions, low) : bisect_right(positions, high)],
            nodes[bisect_left(positions, low) : bisect_right(positions, high)],
        ):
            if not any(a < position < b for a, b in spans):
                continue
            if isinstance(node, ast.Call) and self._encloses(node, expr):
                continue  # the call ``expr`` is handed to runs after it is evaluated
            if isinstance(node, ast.Call) and self._may_freeze(node, layer, full, root, scope):
                return None  # `freeze(self.emb)`, `self.setup()`, `self.emb.freeze()`: may switch it off
            site = _freeze_target(node)
            if site is None:
                continue
            target, flag = site
            path = attr_path(target)
            if path is None:
                return None  # computed: unknown
            if not (path == full or full.startswith(path + ".")):
                if "." in path and path.split(".")[0] == root:
                    continue  # another attribute of the same object: `self.fc.weight`
                return None  # a name (`for p in params: p.requires_grad = ...`) or another object: may alias
            if flag is True:
                continue  # `requires_grad = True`
            skip = self._never_runs(node, scope)
            if skip is None:
                return None
            skipped.append(skip)
        message = f"`{layer}` created here: its `{expr.attr}` is a parameter that requires grad"
        return (Step(creation.value, message), *skipped)

    def _may_freeze(self, call: ast.Call, layer: str, full: str, root: str, scope: ast.AST) -> bool:
        """``call`` may run code that switches the parameter's ``requires_grad``: it is handed the
        parameter or an object holding it, it is a method of such an object (other than the
        freezes read as such), or a function of this file that may reach a module-level layer."""
        handed = [*call.args, *(k.value for k in call.keywords)]
        if any(_related(attr_path(a), full, root) for a in handed):
            return True
        func = call.func
        if isinstance(func, ast.Attribute):
            held = attr_path(func.value)
            holds = held is not None and (held == root or layer == held or layer.startswith(held + "."))
            return holds and func.attr not in ("requires_grad_", "detach_")
        return isinstance(scope, ast.Module) and isinstance(func, ast.Name) and self.ctx.qualname(func) is None

    def _assignments_and_calls(self, scope: ast.AST) -> tuple[list[tuple[int, int]], list[ast.AST]]:
        """The assignments and calls of ``scope``'s own code by position, found once per scope (each
        in-place change asks about a stretch of them)."""
        found = self._scope_sites.get(id(scope))
        if found is None:
            sites = sorted(
                (((n.lineno, n.col_offset), n) for n in own_nodes(scope) if isinstance(n, (ast.Assign, ast.Call))),
                key=lambda site: site[0],
            )
            found = self._scope_sites[id(scope)] = ([p for p, _ in sites], [n for _, n in sites])
        return found

    def _encloses(self, outer: ast.AST | None, node: ast.AST) -> bool:
        current: ast.AST | None = node
        while current is not None:
            if current is outer:
                return True
            current = self.ctx.parent(current)
        return False

    def _never_runs(self, node: ast.AST, scope: ast.AST) -> Step | None:
        """``node`` sits in ``if flag:`` (or ``if not flag:``) where ``flag`` is a parameter of
        ``scope`` that every call of it passes as a constant that skips the branch: the step that
        says so. None where it may run."""
        child: ast.AST = node
        current = self.ctx.parent(node)
        while current is not None and current is not scope:
            if isinstance(current, ast.If) and any(s is child for s in current.body):
                test, wanted = current.test, True
                if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                    test, wanted = test.operand, False
                if isinstance(test, ast.Name) and isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    values = self._passed_constants(scope, test.id)
                    if values and all(bool(v) is not wanted for v in values):
                        shown = ", ".join(sorted({repr(v) for v in values}))
                        return Step(node, f"never runs: every call passes `{test.id}={shown}`")
                return None
            if isinstance(current, (ast.If, ast.While, ast.For, ast.AsyncFor, ast.With, ast.Try)):
                return None
            child, current = current, self.ctx.parent(current)
        return None

    def _passed_constants(self, function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> list[object] | None:
        """The constants every call of ``function`` (every construction, for ``__init__``) passes
        for its parameter ``name``; None where one is not a constant or the name is rebound."""
        if any(
            isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load) for n in own_nodes(function)
        ):
            return None
        if function.name == "__init__":
            passed: list[ast.expr] | list[ast.AST] | None = instantiation_arguments(self.ctx, function, name)
        else:
            passed = arguments_at_calls(self.ctx, function, name)
        if not passed or not all(isinstance(v, ast.Constant) for v in passed):
            return None
        return [v.value for v in passed if isinstance(v, ast.Constant)]


def _related(path: str | None, full: str, root: str) -> bool:
    """``path`` may reach the parameter ``full``: it is ``full``, an object around it, or a name
    of its root (``self``, ``model``)."""
    return path is not None and (path == full or full.startswith(path + ".") or path == root)


def _freeze_target(node: ast.AST) -> tuple[ast.expr, object] | None:
    """``x.requires_grad = <value>`` / ``x.requires_grad_(<value>)`` / ``x.detach_()``: ``x`` and the
    value set (a constant, or None where computed)."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "requires_grad":
                value = node.value.value if isinstance(node.value, ast.Constant) else None
                return target.value, value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "detach_":
            return node.func.value, False
        if node.func.attr == "requires_grad_":
            flag = node.args[0] if node.args else _keyword(node, "requires_grad")
            value = True if flag is None else flag.value if isinstance(flag, ast.Constant) else None
            return node.func.value, value
    return None


def _outermost_loop(ctx: FileContext, node: ast.AST, scope: ast.AST) -> ast.stmt | None:
    found: ast.stmt | None = None
    current = ctx.parent(node)
    while current is not None and current is not scope:
        if isinstance(current, (ast.For, ast.AsyncFor, ast.While)):
            found = current
        current = ctx.parent(current)
    return found
