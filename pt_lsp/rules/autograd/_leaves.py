"""Evidence that an expression is a *leaf* tensor that requires grad (PTL203, PTL205).

Only what a reader proves at a glance counts: a name every binding of which (in its function)
makes a fresh leaf (``torch.randn(3, requires_grad=True)``, ``nn.Parameter(...)``,
``x.detach().requires_grad_()``), the loop variable of ``for p in model.parameters()``, a
``self.w`` the class only ever assigns parameters, and ``layer.weight`` / ``layer.bias`` of a
``torch.nn`` layer the flow analysis knows. ``.to(device)`` / ``.cuda()`` on a leaf make a new,
non-leaf tensor on a GPU (in-place changes to it are allowed), so they break the evidence.
"""

from __future__ import annotations

import ast
from functools import cached_property

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import arguments_at_calls
from pt_lsp.core.flow.values import Kind, Step
from pt_lsp.core.walk import binds_name, is_self_attr, own_nodes
from pt_lsp.rules.autograd._frozen_parameters import FreezeEvidence, _keyword, scope_node
from pt_lsp.rules.autograd._leaf_syntax import (
    REGISTERS,
    _block_of,
    _bound_names,
    _flag_target,
    _iterates_parameters,
    _view_base,
    registered_attribute,
)
from pt_lsp.rules.autograd._made_leaves import Leaf, LeafMaker
from pt_lsp.rules.autograd._narrowed_layers import narrowed_layer
from pt_lsp.rules.autograd._param_groups import group_parameters, iterates_group_params
from pt_lsp.rules.autograd._passed_layers import passed_layer_parameter

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)


class LeafEvidence:
    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.freeze = FreezeEvidence(ctx)  # where the file may switch requires_grad off
        self.maker = LeafMaker(ctx)
        self._scope_bindings: dict[int, dict[str, list[ast.AST]]] = {}
        self._names: dict[tuple[int, str], Leaf | None] = {}
        self._held: dict[tuple[int, str, str], Leaf | None] = {}

    # -- what makes a leaf ------------------------------------------------------------------------
    def made_leaf(self, expr: ast.AST, depth: int = 0) -> Leaf | None:
        """``expr`` builds a fresh leaf that requires grad (:class:`LeafMaker`)."""
        return self.maker.made_leaf(expr, depth)

    # -- what an expression is ----------------------------------------------------------------------
    @cached_property
    def _plausible(self) -> tuple[frozenset[str], frozenset[str]]:
        """Names and ``self`` attributes bound to a leaf somewhere in the file: a cheap filter
        before the per-scope proof (most in-place calls in a code base are on other tensors)."""
        names: set[str] = set()
        attrs: set[str] = set()
        aliases: list[tuple[str, str]] = []  # `table = self.emb.weight`: (name, attribute)
        views: dict[str, list[str]] = {}  # `b = bias_[:255].view(3, -1)`: "bias_" -> ["b"]
        for node in self.ctx.index.of(ast.Assign):
            targets = [t for t in node.targets if isinstance(t, (ast.Name, ast.Attribute))]
            if targets and self.made_leaf(node.value) is not None:
                names.update(t.id for t in targets if isinstance(t, ast.Name))
                attrs.update(t.attr for t in targets if isinstance(t, ast.Attribute))
            elif isinstance(viewed := _view_base(node.value), ast.Attribute):
                aliases.extend((t.id, viewed.attr) for t in targets if isinstance(t, ast.Name))
            elif isinstance(viewed, ast.Name) and viewed is not node.value:  # `v = w[:4].view(2, 2)`
                for target in targets:
                    if isinstance(target, ast.Name):
                        views.setdefault(viewed.id, []).append(target.id)
            flagged = _flag_target(node)
            if flagged is not None:
                names.add(flagged)
        if "register_parameter" in self.ctx.doc.text:  # `self.register_parameter("alpha", nn.Parameter(...))`
            for call in self.ctx.index.of(ast.Call):
                registered = registered_attribute(call) if isinstance(call.func, ast.Attribute) else None
                if registered is not None and registered[1] is not None and self.made_leaf(registered[1]):
                    attrs.add(registered[0])
        names.update(name for name, attr in aliases if attr in ("weight", "bias") or attr in attrs)
        bindings: list[ast.AnnAssign | ast.NamedExpr] = [
            *self.ctx.index.of(ast.AnnAssign),
            *self.ctx.index.of(ast.NamedExpr),
        ]
        for binding in bindings:
            if isinstance(binding.target, ast.Name) and binding.value is not None and self.made_leaf(binding.value):
                names.add(binding.target.id)
        for function in self.ctx.tree.body:  # helpers' parameters: leaves passed at every call
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.update(
                    a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)
                )
        loops: list[ast.For | ast.comprehension] = [*self.ctx.index.of(ast.For), *self.ctx.index.of(ast.comprehension)]
        for loop in loops:
            if (
                isinstance(loop.iter, ast.Call)
                and isinstance(loop.iter.func, ast.Attribute)
                and loop.iter.func.attr in ("parameters", "named_parameters")
            ) or iterates_group_params(loop.iter):
                names.update(n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name))
        pending = [name for name in views if name in names]
        while pending:  # names bound to views of a plausible name, and views of those
            for viewer in views.pop(pending.pop(), ()):
                if viewer not in names:
                    names.add(viewer)
                    pending.append(viewer)
        return frozenset(names), frozenset(attrs)

    @property
    def plausible_names(self) -> frozenset[str]:
        """The names bound to a leaf somewhere in the file (the cheap filter of :meth:`leaf`)."""
        return self._plausible[0]

    def leaf(self, expr: ast.AST) -> Leaf | None:
        if isinstance(expr, ast.Name):
            if expr.id not in self._plausible[0]:
                return None
            scope = scope_node(self.ctx, expr)
            key = (id(scope), expr.id)
            if key not in self._names:
                # a name bound to a view of itself (`h = h[-1]`) or a cycle of names: no leaf there
                self._names[key] = None
                self._names[key] = self._name_leaf(scope, expr.id)
            found = self._names[key]
            if found is None:
                return self._flagged_leaf(expr, scope)
            frozen = (found.origin == "parameter" and self.freeze.freezes) or self.freeze.frozen_by_name(expr.id)
            return None if frozen and not self.freeze.frozen_only_after(expr, scope) else found
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Name) and expr.value.id == "self":
                if expr.attr not in self._plausible[1]:
                    return None  # before the class lookup: it needs the parent map
                cls = self.ctx.enclosing_class(expr)
                found = self._class_parameter(cls, expr.attr)
                info = self.ctx.class_info(cls) if found is None and cls is not None else None
                if info is not None and not info.is_module:
                    # a plain class's own leaves (`self.W = torch.randn(..., requires_grad=True)`,
                    # a from-scratch model): held, so only a method this file calls counts
                    held = self._class_parameter(cls, expr.attr, any_leaf=True)
                    return Leaf(held.origin, held.factory, held.steps, held.view, held=True) if held else None
                return found
            return (
                self._layer_parameter(expr)
                or self._narrowed(expr)
                or self._model_parameter(expr)
                or self._held_leaf(expr)
                or self._passed_layer(expr)
            )
        return self.made_leaf(expr)

    def _layer_parameter(self, expr: ast.Attribute) -> Leaf | None:
        if expr.attr not in ("weight", "bias"):
            return None
        unfrozen: tuple[Step, ...] = ()
        if self.freeze.freezes:  # the file freezes something: only a layer made just before may be shown unfrozen
            found = self.freeze.not_frozen_since_made(expr)
            if found is None:
                return None
            unfrozen = found
        base = self.ctx.flow.value(expr.value)
        value = self.ctx.flow.value(expr)
        if (
            base.kind is Kind.MODULE
            and (base.qualname or "").startswith("torch.nn.")
            and value.is_tensor
            and value.requires_grad is True
            and not self._history_before(expr, value.history)
        ):
            return Leaf("parameter", steps=(*self._layer_steps(expr, base.qualname or ""), *unfrozen))
        return None

    def _passed_layer(self, expr: ast.Attribute) -> Leaf | None:
        """``conv.bias`` in a helper that every call of the file hands a torch layer made there."""
        if self.freeze.freezes:
            return None
        steps = passed_layer_parameter(self.ctx, expr)
        return Leaf("parameter", steps=steps) if steps is not None else None

    def _narrowed(self, expr: ast.Attribute) -> Leaf | None:
        """``m.weight`` inside ``if isinstance(m, nn.Linear):`` (an init function ``model.apply``
        runs); not where the file freezes anything."""
        test = None if self.freeze.freezes else narrowed_layer(self.ctx, expr)
        if test is None:
            return None
        message = f"`{ast.unparse(test.args[0])}` is a layer here: the `{expr.attr}` of one is a parameter"
        return Leaf("parameter", steps=(Step(test, message),))

    def _layer_steps(self, expr: ast.Attribute, qualname: str) -> tuple[Step, ...]:
        """Where the layer ``expr.value`` (a name) was created."""
        if not isinstance(expr.value, ast.Name):
            return ()
        layer = qualname.rsplit(".", 1)[-1]
        message = f"`{expr.value.id}` created here: the `{expr.attr}` of an `nn.{layer}` is a parameter"
        name = expr.value.id
        return tuple(
            Step(node.value, message)
            for node in own_nodes(scope_node(self.ctx, expr))
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            and isinstance(node.value, ast.Call)
            and self.ctx.qualname(node.value.func) == qualname
        )

    def _history_before(self, expr: ast.expr, history: frozenset[object]) -> bool:
        """``expr`` had a graph before: the target of ``w -= ...`` holds the value after the
        update, whose only new node is that statement's."""
        parent = self.ctx.parent(expr)
        if isinstance(parent, ast.AugAssign) and parent.target is expr:
            return any(getattr(node, "site", None) is not parent for node in history)
        return bool(history)

    def _model_parameter(self, expr: ast.Attribute) -> Leaf | None:
        """``model.coef`` where ``model`` is an instance of a module class of this file that only
        ever assigns ``self.coef`` an ``nn.Parameter``; or of any class of this file that only
        ever assigns it a fresh leaf that requires grad, where the analysis shows it still is one
        (a hand-written regression's ``self.coef = torch.zeros(n, requires_grad=True)``)."""
        if self.freeze.freezes or expr.attr not in self._plausible[1]:
            return None
        info = getattr(self.ctx.flow.value(expr.value), "cls", None)
        node = getattr(info, "node", None)
        if not isinstance(node, ast.ClassDef):
            return None
        value = self.ctx.flow.value(expr)
        still_leaf = value.is_tensor and value.requires_grad is True and not value.history
        return self._class_parameter(node, expr.attr, any_leaf=still_leaf)

    def _held_leaf(self, expr: ast.Attribute) -> Leaf | None:
        """``self.param.pdfvec`` in a method of a class whose ``__init__`` binds ``self.param`` to
        one of its parameters, where every construction of the class in this file passes there an
        instance of one class of the file that only ever assigns ``self.pdfvec`` a fresh leaf that
        requires grad, and nothing outside that class assigns a ``.pdfvec``."""
        holder = expr.value
        if (
            self.freeze.freezes
            or expr.attr not in self._plausible[1]
            or not isinstance(holder, ast.Attribute)
            or not isinstance(holder.value, ast.Name)
            or holder.value.id != "self"
        ):
            return None
        cls = self.ctx.enclosing_class(expr)
        if cls is None:
            return None
        key = (id(cls), holder.attr, expr.attr)  # each scan once per class and path, not per site
        if key not in self._held:
            self._held[key] = self._held_in(cls, holder.attr, expr.attr)
        return self._held[key]

    def _held_in(self, cls: ast.ClassDef, holder: str, attr: str) -> Leaf | None:
        init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        if init is None:
            return None
        stores = [
            node
            for node in ast.walk(cls)  # only on a candidate finding
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
            and any(is_self_attr(t, holder) for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))
        ]
        names = [a.arg for a in init.args.args[1:]]
        if (
            len(stores) != 1
            or not isinstance(stores[0], ast.Assign)
            or not isinstance(stores[0].value, ast.Name)
            or stores[0].value.id not in names
        ):
            return None
        name = stores[0].value.id
        position = names.index(name)
        held: set[int] = set()
        held_class: ast.ClassDef | None = None
        for call in self.ctx.index.of(ast.Call):
            if not (isinstance(call.func, ast.Name) and call.func.id == cls.name):
                continue
            passed = call.args[position] if position < len(call.args) else _keyword(call, name)
            info = getattr(self.ctx.flow.value(passed), "cls", None) if passed is not None else None
            node = getattr(info, "node", None)
            if not isinstance(node, ast.ClassDef):
                return None
            held.add(id(node))
            held_class = node
        if len(held) != 1 or held_class is None:
            return None
        outside = any(
            isinstance(node, ast.Attribute)
            and node.attr == attr
            and isinstance(node.ctx, ast.Store)
            and self.ctx.enclosing_class(node) is not held_class
            for node in self.ctx.index.of(ast.Attribute)
        )
        found = None if outside else self._class_parameter(held_class, attr, any_leaf=True)
        if found is None:
            return None
        step = Step(stores[0], f"`self.{holder}` is the `{held_class.name}` passed as `{name}`")
        return Leaf(found.origin, steps=(*found.steps, step), held=True)

    def _class_parameter(self, cls: ast.ClassDef | None, attr: str, any_leaf: bool = False) -> Leaf | None:
        if cls is None:
            return None
        info = self.ctx.class_info(cls)
        if info is None or not (info.is_module or any_leaf) or self.freeze.freezes:
            return None
        values: list[ast.expr | None] = []
        for node in ast.walk(cls):  # only on a candidate finding
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if is_self_attr(target, attr):
                        if not isinstance(node, ast.AugAssign):
                            values.append(node.value)
                    elif isinstance(target, (ast.Tuple, ast.List)) and any(
                        is_self_attr(e, attr) for e in ast.walk(target)
                    ):
                        return None
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, (ast.Attribute, ast.Name))
                and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) in REGISTERS
            ):
                registered = registered_attribute(node)
                if registered is None:
                    return None  # a name not written out: maybe this one
                if registered[0] == attr:  # `self.register_parameter("alpha", nn.Parameter(...))`
                    if registered[1] is None:
                        return None  # a buffer
                    values.append(registered[1])
        leaves = [self.made_leaf(v) if v is not None else None for v in values]
        steps = tuple(step for leaf in leaves if leaf is not None for step in leaf.steps)
        if leaves and all(leaf is not None and leaf.origin == "parameter" for leaf in leaves) and info.is_module:
            return Leaf("parameter", steps=steps)
        if leaves and all(leaves) and any_leaf:
            return Leaf("tensor", steps=steps)
        return None

    def _alias_leaf(self, value: ast.expr, name: str) -> Leaf | None:
        """``table = self.emb.weight``: a name bound to a parameter is that parameter; bound to a
        view of it or of a leaf name (``b = conv.bias.view(3, -1)``, ``b = bias_[:255].view(3, -1)``),
        it shares the leaf's memory, and torch refuses an in-place change of it just the same."""
        base = _view_base(value)
        if not isinstance(base, ast.Attribute) and not (isinstance(base, ast.Name) and base is not value):
            return None
        found = self.leaf(base)
        if found is None:
            return None
        if base is value:
            return Leaf(found.origin, steps=(*found.steps, Step(value, f"`{name}` is this parameter")))
        viewed = Step(value, f"`{name}` is a view of `{ast.unparse(base)}`")
        return Leaf(found.origin, steps=(*found.steps, viewed), view=True)

    def _flagged_leaf(self, expr: ast.Name, scope: ast.AST) -> Leaf | None:
        """``w.requires_grad = True`` earlier in the same block: torch allows that on a leaf only
        (else it raises), so from there on, until ``w`` is rebound, it is a leaf that requires grad."""
        name = expr.id
        if self.freeze.frozen_by_name(name):
            return None
        for flag in reversed(self._flags(scope).get(name, [])):
            block = _block_of(self.ctx, flag)
            if block is None:
                continue
            holder: ast.AST | None = expr  # the statement of `flag`'s block that holds the change
            while holder is not None and not (isinstance(holder, ast.stmt) and self.ctx.parent(holder) is block[0]):
                holder = self.ctx.parent(holder)
            statements = block[1]
            if not isinstance(holder, ast.stmt) or holder not in statements:
                continue
            if statements.index(holder) <= statements.index(flag):
                continue  # the change runs before the flag (on this path)
            target = flag.targets[0]
            assert isinstance(target, ast.Attribute)
            if self.ctx.flow.value(target.value).kind is not Kind.TENSOR:
                return None  # `module.requires_grad = True` sets a plain attribute
            start, end = (flag.end_lineno or flag.lineno, flag.end_col_offset or 0), (expr.lineno, expr.col_offset)
            at = [(getattr(b, "lineno", 0), getattr(b, "col_offset", 0)) for b in self._bindings(scope).get(name, ())]
            if any(start < where < end for where in at):
                return None  # rebound in between
            return Leaf(
                "tensor", steps=(Step(flag, "made a leaf that requires grad here (torch allows it on leaves only)"),)
            )
        return None

    def _flags(self, scope: ast.AST) -> dict[str, list[ast.Assign]]:
        """``<name>.requires_grad = True`` statements of ``scope``'s own code, by name, in order."""
        found: dict[str, list[ast.Assign]] = {}
        for node in own_nodes(scope):
            if isinstance(node, ast.Assign):
                flagged = _flag_target(node)
                if flagged is not None:
                    found.setdefault(flagged, []).append(node)
        return found

    def _argument_leaf(self, function: ast.AST, name: str) -> Leaf | None:
        """A parameter of a helper of this file that every call passes the same kind of leaf:
        ``project(fake)`` where ``fake = torch.rand(..., requires_grad=True)``."""
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or function.args.vararg is not None:
            return None
        if name in (function.args.vararg.arg if function.args.vararg else "", "self"):
            return None
        # `p -= lr * p.grad` rebinds `p` to the same tensor (in place): still the caller's leaf
        in_place = all(
            isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)
            for node in self._bindings(function).get(name, ())
        )
        passed = arguments_at_calls(self.ctx, function, name, rebound=in_place)
        if not passed:
            return None
        self._names[(id(function), name)] = None  # a recursive helper proves nothing
        leaves = [self.leaf(value) for value in passed]
        if not all(leaves) or len({leaf.origin for leaf in leaves if leaf is not None}) != 1:
            return None
        first = leaves[0]
        assert first is not None
        steps = tuple(step for leaf in leaves if leaf is not None for step in leaf.steps)
        return Leaf(first.origin, steps=(*steps, Step(passed[0], f"passed as `{name}` here")))

    def _own_parameters(self, iterated: ast.AST) -> bool:
        """``self.parameters()`` (or ``obj.parameters()``) of a class that is no ``nn.Module`` and
        whose ``parameters`` the project defines (a homework's own ``Module`` base, in this file
        or imported from another): its tensors are whatever that method returns (audit-7 G2)."""
        assert isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Attribute)
        receiver = iterated.func.value
        if isinstance(receiver, ast.Name) and receiver.id == "self":
            cls = self.ctx.enclosing_class(iterated)
            info = self.ctx.class_info(cls) if cls is not None else None
        else:
            info = getattr(self.ctx.flow.value(receiver), "cls", None)
        if not isinstance(info, ClassInfo) or info.is_module:
            return False
        if info.method("parameters") is not None:
            return True
        project = self.ctx.project
        chain, seen = [info], set()
        while chain and project.enabled:  # the class and its local bases: their imported bases
            current = chain.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            chain.extend(current.local_bases)
            for base in current.node.bases:
                qualname = self.ctx.qualname(base)
                entity = project.resolve(qualname, None) if qualname else None
                base_info = project.class_info(entity) if isinstance(entity, ast.ClassDef) else None
                if base_info is not None and not base_info.is_module and base_info.method("parameters") is not None:
                    return True
        return False

    def _bindings(self, scope: ast.AST) -> dict[str, list[ast.AST]]:
        """For each name, the nodes of ``scope``'s own code that bind it, in order: one walk per
        scope instead of one per name asked (quadratic in a long script of many names)."""
        found = self._scope_bindings.get(id(scope))
        if found is None:
            found = self._scope_bindings[id(scope)] = {}
            for node in own_nodes(scope):
                for bound in _bound_names(node):
                    found.setdefault(bound, []).append(node)
        return found

    def _name_leaf(self, scope: ast.AST, name: str) -> Leaf | None:
        if not isinstance(scope, _SCOPES):
            return None  # comprehension variables, class bodies
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = scope.args
            every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
            if any(a is not None and a.arg == name for a in every):
                return self._argument_leaf(scope, name)
        found: list[Leaf | None] = []
        for node in self._bindings(scope).get(name, ()):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == name:
                        found.append(self.made_leaf(node.value) or self._alias_leaf(node.value, name))
                    elif binds_name(target, name):
                        return None
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)):
                found.append(self.made_leaf(node.value) if node.value is not None else None)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                held = (  # `for p in group["params"]` of `for group in opt.param_groups`
                    group_parameters(self.ctx, self._bindings(scope), scope, node.iter, name)
                    if isinstance(node.target, ast.Name) and node.target.id == name
                    else None
                )
                found.append(
                    Leaf("parameter", steps=(Step(node.iter, f"`{name}` is a parameter of the model here"),))
                    if _iterates_parameters(node.target, node.iter, name) and not self._own_parameters(node.iter)
                    else Leaf("parameter", steps=(held,))
                    if held is not None
                    else None
                )
            else:  # a `with ... as`, `global`, import, def, class or except handler: not a plain value
                return None
        leaves = [leaf for leaf in found if leaf is not None]
        if not found or len(leaves) != len(found):
            return None
        origins = {leaf.origin for leaf in leaves}
        if len(origins) != 1:
            return None
        factory = leaves[0].factory if len(leaves) == 1 else None
        steps = tuple(step for leaf in leaves for step in leaf.steps)
        return Leaf(origins.pop(), factory, steps, view=all(leaf.view for leaf in leaves))
