"""PTL303: a submodule or parameter assigned before `super().__init__()`."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Pos, Span
from pt_lsp.core.edits import alone_on_lines, indentation, newline_of, source_of
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Related
from pt_lsp.core.flow.values import Step
from pt_lsp.core.names import star_exports
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import own_nodes, subtree
from pt_lsp.rules.modules._module_evidence import (
    Function,
    is_init_call,
    is_self_attr,
    unbound_super,
)
from pt_lsp.rules.modules._never_initialised import never_initialised
from pt_lsp.rules.modules._registration_evidence import project_module_class


def _module_value(ctx: FileContext, value: ast.AST | None) -> str | None:
    """What a module attribute value is: "module" (an nn layer or local module class) or
    "parameter" (``nn.Parameter``); None for anything else. In ``a if c else b`` either branch
    counts: the assignment raises whenever the branch taken is a module; so does an operand of
    ``norm or nn.LayerNorm(d)``."""
    if isinstance(value, ast.IfExp):
        return _module_value(ctx, value.body) or _module_value(ctx, value.orelse)
    if isinstance(value, ast.BoolOp):
        return next((k for k in (_module_value(ctx, v) for v in value.values) if k is not None), None)
    if not isinstance(value, ast.Call):
        return None
    qualname = ctx.qualname(value.func)
    if qualname == "torch.nn.Parameter":
        return "parameter"
    if (
        qualname
        and qualname.startswith("torch.nn.")
        and not qualname.startswith("torch.nn.functional")
        and qualname.rsplit(".", 1)[-1][:1].isupper()
    ):
        return "module"
    if qualname is None and isinstance(value.func, ast.Name):
        info = ctx.classes.get(value.func.id)
        if info is not None and info.is_module:
            return "module"
    if qualname is not None and project_module_class(ctx, value.func):
        return "module"  # `Encoder(...)` with `from encoder import Encoder`, a module of the project
    return None


# Methods only an `nn.Module` has: `self.disc.parameters()` says `self.disc` is one.
MODULE_ONLY_METHODS = {"parameters", "named_parameters", "children", "named_children", "modules", "named_modules"}


# `self.<method>(name, value)` calls that register into the dicts `nn.Module.__init__` creates
REGISTERING = {
    "register_buffer": "buffer",
    "register_parameter": "parameter",
    "add_module": "module",
    "register_module": "module",
}


def _early_call(ctx: FileContext, info: ClassInfo, call: ast.Call) -> tuple[str, str, Step | None] | None:
    """A ``self.<name>(...)`` call before ``nn.Module.__init__`` runs that raises: a registration
    (``self.register_buffer("mean", t)``), or a method of the class whose own body assigns a
    submodule or parameter to ``self`` (``self.build()``). (kind, the sentence's subject, a step)."""
    assert isinstance(call.func, ast.Attribute)
    name = call.func.attr
    if name in REGISTERING and info.method(name) is None:
        label = source_of(ctx, call.args[0]) if call.args else "?"
        return REGISTERING[name], f"`self.{name}({label}, ...)` registers", None
    method = info.method(name)
    if method is None or name == "__init__":
        return None
    for node in own_nodes(method):
        if isinstance(node, ast.Assign) and any(is_self_attr(t) for t in node.targets):
            what = _module_value(ctx, node.value)
            if what is not None:
                attr = next(t.attr for t in node.targets if is_self_attr(t))
                step = Step(node, f"`{name}` assigns `self.{attr}` here")
                return what, f"`self.{name}()` assigns `self.{attr}`,", step
    return None


def _self_setattr(ctx: FileContext, call: ast.Call) -> bool:
    """``setattr(self, name, value)`` with the builtin ``setattr``."""
    func = call.func
    return (
        isinstance(func, ast.Name)
        and func.id == "setattr"
        and ctx.names.binding("setattr", func) is None
        and len(call.args) == 3
        and not call.keywords
        and isinstance(call.args[0], ast.Name)
        and call.args[0].id == "self"
    )


def _is_module_annotation(ctx: FileContext, annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return False
        info = ctx.classes.get(annotation.id) if isinstance(annotation, ast.Name) else None
        return info is not None and info.is_module
    return _module_value(ctx, ast.Call(func=annotation, args=[], keywords=[])) == "module" or (
        ctx.qualname(annotation) == "torch.nn.Module"
    )


def _argument_module(
    ctx: FileContext, info: ClassInfo, init: Function, value: ast.AST, attr: str
) -> tuple[ast.AST, str] | None:
    """Where the argument ``value`` of ``__init__`` shows itself to be an ``nn.Module``: its
    annotation, a construction of the class in this file given a module for it, or a method of
    the class calling ``self.<attr>.parameters()`` on the attribute that keeps it."""
    if not isinstance(value, ast.Name):
        return None
    arguments = init.args
    positional = [*arguments.posonlyargs, *arguments.args]
    parameter = next((a for a in (*positional, *arguments.kwonlyargs) if a.arg == value.id), None)
    if parameter is None or any(
        isinstance(n, ast.Name) and n.id == value.id and not isinstance(n.ctx, ast.Load) for n in own_nodes(init)
    ):
        return None
    if _is_module_annotation(ctx, parameter.annotation):
        return parameter, f"`{value.id}` is annotated as an `nn.Module`"
    index = next((i for i, a in enumerate(positional) if a is parameter), None)
    for call in ctx.index.of(ast.Call):
        if not (isinstance(call.func, ast.Name) and call.func.id == info.name and ctx.qualname(call.func) is None):
            continue
        given: ast.AST | None = next((k.value for k in call.keywords if k.arg == value.id), None)
        if given is None and index is not None and index >= 1 and len(call.args) > index - 1:
            if not any(isinstance(a, ast.Starred) for a in call.args[:index]):
                given = call.args[index - 1]  # `self` is not passed
        if given is not None and _module_value(ctx, given) == "module":
            return given, f"`{info.name}` is given a module for `{value.id}` here"
    for node in subtree(info.node):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MODULE_ONLY_METHODS
            and is_self_attr(node.func.value, attr)
        ):
            return node, f"`self.{attr}.{node.func.attr}()`: `{value.id}` is a module"
    return None


class ModuleBeforeSuperInit(Rule):
    """
    ## What it does
    Flags, in the `__init__` of an `nn.Module` subclass, a submodule (`self.fc = nn.Linear(...)`)
    or parameter (`self.w = nn.Parameter(...)`) assigned before `super().__init__()` runs (also
    registered with `self.register_buffer(...)`, `self.register_parameter(...)`,
    `self.add_module(...)`, set with `setattr(self, f"fc{i}", nn.Linear(...))`, or assigned by a
    method of the class called there: `self.build()`),
    a misspelt base call (`super().__init()`, `super()._init_()`: reported itself, with a fix
    that names `__init__`), `super(Net).__init__(self)` (reported itself: it raises TypeError,
    with a fix to `super().__init__()`), or
    in an `__init__` that never calls it (`super(Net).__init__()`, without `self`, initialises
    only an unbound `super` object); an `__init__` that never runs `nn.Module.__init__` at all
    while setting only plain attributes, in a class with a `forward` of its own (lightly#963's
    loss: the assignments work, calling the module raises AttributeError), reported at `__init__`
    unless a method it calls, `super()` or a creation hook may run the base some other way, a
    class of the file derives from it (a mixin whose subclass runs each base's `__init__`), or
    the class is an exercise's template (`pass` bodies); and `super(Other, self).__init__()`
    naming a class that is not this class or one of its bases (a copy-paste leftover).

    ## Why is this bad?
    `nn.Module.__setattr__` registers submodules and parameters in dictionaries that
    `nn.Module.__init__` creates. Before it ran, the assignment raises `AttributeError: cannot
    assign module before Module.__init__() call` (or "cannot assign parameters before
    Module.__init__() call"). `super(Other, self)` with an unrelated class raises `TypeError:
    super(type, obj): obj must be an instance or subtype of type`, and a `NameError` once
    `Other` has been renamed.

    ## Example
    ```python
    class Net(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(10, 2)
            super().__init__()
    ```

    ## Use instead
    ```python
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(10, 2)
    ```

    ## Fix safety
    Moving `super().__init__()` before the first such assignment, inserting it where it is
    missing, and replacing `super(Other, self)` or `super(Net)` by `super()` are safe where the
    class derives from `nn.Module` directly: the original code raised, and `nn.Module.__init__`
    reads nothing the moved statements set. Where the base is a class of this file, whose
    `__init__` might read attributes set before it (or now runs at all), moving and binding
    `super(Net)` are unsafe.

    ## References
    - [torch.nn.Module](https://pytorch.org/docs/stable/generated/torch.nn.Module.html)
    - [Python: super()](https://docs.python.org/3/library/functions.html#super)
    """

    code = "PTL303"
    name = "module-before-super-init"
    summary = "submodule or parameter assigned before `super().__init__()`; `super(Other, self)` naming another class"
    per_unit = True  # the server may reuse its findings per function (core/incremental/)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if "__init__" not in ctx.doc.text:
            return
        for info in ctx.class_list:
            init = info.methods.get("__init__")
            if not info.is_module or init is None:
                continue
            early = list(self.early_assignments(ctx, info, init))
            yield from early
            if not early and never_initialised(info, init, ctx.class_list):
                yield self.uninitialised(ctx, info, init)
            yield from self.foreign_super(ctx, info)

    def uninitialised(self, ctx: FileContext, info: ClassInfo, init: Function) -> Finding:
        """An ``__init__`` that sets only plain attributes and never runs ``nn.Module.__init__``
        (lightly#963's loss): the instance lacks the module's tables, and calling it raises."""
        message = (
            f"`{info.name}.__init__` never calls `super().__init__()`: `nn.Module.__init__` never runs, so"
            f" calling the module (or `.to()`, `.parameters()`, `.train()`) raises AttributeError"
            f" (\"'{info.name}' object has no attribute '_backward_hooks'\" / '_parameters')"
        )
        steps = [
            Step(init, f"`{info.name}.__init__` replaces `nn.Module.__init__` and never calls it"),
            Step(info.methods["forward"], "`forward` runs through `nn.Module.__call__`, which needs those tables"),
        ]
        fix = self.insert_fix(ctx, info, init)
        return self.report(
            ctx, _def_name(ctx, init), message, fixes=[fix] if fix else [], related=evidence_path(ctx, steps)
        )

    def misspelt_init(self, ctx: FileContext, info: ClassInfo, init: Function) -> Finding | None:
        """``super().__init()`` (or ``__int__``, ``_init_``...): the base ``__init__`` never runs, and
        the call itself raises before any assignment does (audit-14 d8)."""
        for stmt in init.body:
            call = stmt.value if isinstance(stmt, ast.Expr) else None
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                continue
            receiver, name = call.func.value, call.func.attr
            if not (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name)):
                continue
            if receiver.func.id != "super" or name == "__init__" or name.strip("_") not in ("init", "int", "innit"):
                continue
            if not name.startswith("_") or any(base.method(name) is not None for base in info.local_bases):
                continue  # `super().init()`: a base of the file (or of a library) may define `init`
            mangled = name.startswith("__") and not name.endswith("__")
            missing = f"_{info.name.lstrip('_')}{name}" if mangled else name
            message = (
                f"`super().{name}()` is a misspelling of `super().__init__()`: the base `nn.Module.__init__` never"
                f" runs, and the call raises AttributeError (\"'super' object has no attribute '{missing}'\")"
            )
            span = ctx.doc.node_span(call.func)
            start = Pos(span.end.line, span.end.col - len(name))
            fix = Fix("Call `super().__init__()`", (Edit(Span(start, span.end), "__init__"),), Applicability.UNSAFE)
            return self.report(ctx, call, message, fixes=[fix])
        return None

    def self_to_unbound_super(self, ctx: FileContext, info: ClassInfo, init: Function) -> Finding | None:
        """``super(Net).__init__(self)``: the one-argument ``super`` is bound to no instance, so its
        own ``__init__`` takes ``self`` for the type and raises TypeError before any assignment
        (audit-15); without arguments (``super(Net).__init__()``) it runs, and the base's never
        does (reported at the assignments)."""
        for stmt in init.body:
            call = stmt.value if isinstance(stmt, ast.Expr) else None
            receiver = unbound_super(call) if isinstance(call, ast.Call) else None
            if receiver is None or not isinstance(call, ast.Call) or not call.args:
                continue
            message = (
                f'`{source_of(ctx, call)}` raises TypeError ("super() argument 1 must be type"): `super` with one'
                f" argument is bound to no instance, so its own `__init__` takes `{source_of(ctx, call.args[0])}` for"
                f" the type, and the base `nn.Module.__init__` never runs"
            )
            named, given = receiver.args[0], call.args[0]
            fixes = []
            if (
                isinstance(named, ast.Name)
                and named.id == info.name
                and isinstance(given, ast.Name)
                and given.id == "self"
            ):
                rest = ", ".join(source_of(ctx, a) for a in call.args[1:])
                safety = Applicability.SAFE if self._direct_module(ctx, info) else Applicability.UNSAFE
                fixes.append(
                    Fix(
                        "Use `super().__init__()`",
                        (Edit(ctx.doc.node_span(call), f"super().__init__({rest})"),),
                        safety,
                    )
                )
            return self.report(ctx, call, message, fixes=fixes)
        return None

    def early_assignments(self, ctx: FileContext, info: ClassInfo, init: Function) -> Iterator[Finding]:
        misspelt = self.misspelt_init(ctx, info, init) or self.self_to_unbound_super(ctx, info, init)
        if misspelt is not None:
            yield misspelt
            return
        body = init.body
        index = next((i for i, stmt in enumerate(body) if is_init_call(stmt)), None)
        unbound: ast.Call | None = None  # `super(Net).__init__()`: runs no base __init__
        for n in own_nodes(init):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "__init__":
                if unbound_super(n) is not None:
                    unbound = unbound or n
                elif index is None:
                    return  # the base __init__ runs somewhere inside a block: order unknown
        if index is not None:
            unbound = None
        before = body if index is None else body[:index]
        offending: list[tuple[ast.AST, str, str]] = []  # (where, "module"/"parameter"/"buffer", what is set)
        shown: dict[int, Step] = {}  # why an argument is a module; what a helper method assigns
        for stmt in before:
            for node in [stmt, *own_nodes(stmt)]:
                if isinstance(node, ast.Assign) and any(is_self_attr(t) for t in node.targets):
                    attr = next(t.attr for t in node.targets if is_self_attr(t))
                    what = _module_value(ctx, node.value)
                    if what is None:
                        found = _argument_module(ctx, info, init, node.value, attr)
                        if found is not None:
                            what = "module"
                            shown[id(node)] = Step(*found)
                    if what:
                        offending.append((node, what, f"`self.{attr}` is assigned"))
                elif isinstance(node, ast.Call) and _self_setattr(ctx, node):
                    what = _module_value(ctx, node.args[2])
                    if what:  # `setattr(self, f"fc{i}", nn.Linear(...))` goes through `nn.Module.__setattr__`
                        offending.append((node, what, f"`setattr` of `{source_of(ctx, node.args[1])}` sets"))
                elif isinstance(node, ast.Call) and is_self_attr(node.func) and isinstance(node.func, ast.Attribute):
                    early = _early_call(ctx, info, node)
                    if early is not None:
                        what, described, step = early
                        offending.append((node, what, described))
                        if step is not None:
                            shown[id(node)] = step
        if not offending:
            return
        first = next(stmt for stmt in before if any(n is offending[0][0] for n in [stmt, *own_nodes(stmt)]))
        if index is not None:
            fix = self.move_fix(ctx, info, init, index, first)
        elif unbound is not None:
            fix = self.bind_fix(ctx, info, init, unbound, first)
        else:
            fix = self.insert_fix(ctx, info, init)
        for node, what, described in offending:
            if index is not None:
                where = "before `super().__init__()` runs"
            elif unbound is not None:
                where = f"but `{source_of(ctx, unbound.func)}()` never runs `nn.Module.__init__`"
            else:
                where = "but `__init__` never calls `super().__init__()`"
            kind = {"module": "a submodule", "parameter": "a parameter", "buffer": "a buffer"}[what]
            raised = {"module": "module", "parameter": "parameters", "buffer": "buffer"}[what]
            if isinstance(node, ast.Call) and (
                isinstance(node.func, ast.Attribute) and node.func.attr in ("add_module", "register_module")
            ):
                message = f"{described} {kind} {where}: nn.Module has no `_modules` yet and raises AttributeError"
            else:
                raises = f'"cannot assign {raised} before Module.__init__() call"'
                message = f"{described} {kind} {where}: nn.Module raises {raises}"
            done = "assigned" if isinstance(node, ast.Assign) else "called"  # `self.fc` / `self.build()`
            steps = [Step(node, f"{described.split(' ', 1)[0]} {done} here, while `nn.Module.__init__` has not run")]
            if id(node) in shown:
                steps.append(shown[id(node)])
            if index is not None:
                steps.append(Step(body[index], "`super().__init__()` runs only here"))
            elif unbound is not None:
                steps.append(
                    Step(
                        unbound,
                        "`super` with one argument is bound to no instance: this `__init__` is the `super`"
                        " object's own, not the base class's",
                    )
                )
            else:
                steps.append(Step(init, "`__init__` never calls `super().__init__()`"))
            related = evidence_path(ctx, steps)
            yield self.report(ctx, node, message, fixes=[fix] if fix else [], related=related)

    def _direct_module(self, ctx: FileContext, info: ClassInfo) -> bool:
        return bool(info.node.bases) and all(ctx.qualname(b) == "torch.nn.Module" for b in info.node.bases)

    def move_fix(self, ctx: FileContext, info: ClassInfo, init: Function, index: int, first: ast.stmt) -> Fix | None:
        call_stmt = init.body[index]
        anchor = next(s for s in init.body if s.lineno <= first.lineno <= (s.end_lineno or s.lineno))
        params = {
            a.arg
            for a in (*init.args.posonlyargs, *init.args.args, *init.args.kwonlyargs, init.args.vararg, init.args.kwarg)
            if a is not None
        }
        reassigned = {
            n.id
            for s in init.body[:index]
            for n in ast.walk(s)
            if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
        }
        used = {n.id for n in ast.walk(call_stmt) if isinstance(n, ast.Name)} - {"super", info.name}
        if (
            not used <= params
            or used & reassigned
            or any(isinstance(n, ast.Attribute) and is_self_attr(n) for n in ast.walk(call_stmt))
        ):
            return None
        if not alone_on_lines(ctx, [call_stmt]) or not alone_on_lines(ctx, [anchor]):
            return None
        end = call_stmt.end_lineno or call_stmt.lineno
        delete = Edit.delete(Span(Pos(call_stmt.lineno, 0), Pos(end + 1, 0)))
        text = f"{indentation(ctx, anchor)}{source_of(ctx, call_stmt)}{newline_of(ctx)}"
        insert = Edit.insert(Pos(anchor.lineno, 0), text)
        safety = Applicability.SAFE if self._direct_module(ctx, info) else Applicability.UNSAFE
        return Fix("Call `super().__init__()` before assigning submodules", (insert, delete), safety)

    def bind_fix(
        self, ctx: FileContext, info: ClassInfo, init: Function, unbound: ast.Call, first: ast.stmt
    ) -> Fix | None:
        """``super(Net).__init__()`` -> ``super().__init__()``, where it is a statement of the body
        before the first assignment it should precede and names the class itself."""
        receiver = unbound_super(unbound)
        if receiver is None or not any(isinstance(s, ast.Expr) and s.value is unbound for s in init.body):
            return None
        named = receiver.args[0]
        if not (isinstance(named, ast.Name) and named.id == info.name) or unbound.lineno >= first.lineno:
            return None
        safety = Applicability.SAFE if self._direct_module(ctx, info) else Applicability.UNSAFE
        return Fix("Use `super()`", (Edit(ctx.doc.node_span(receiver), "super()"),), safety)

    def insert_fix(self, ctx: FileContext, info: ClassInfo, init: Function) -> Fix | None:
        if not self._direct_module(ctx, info):
            return None
        body = init.body
        first = (
            body[1]
            if len(body) > 1
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
            else body[0]
        )
        if first.lineno == init.lineno or not alone_on_lines(ctx, [first]):
            return None
        text = f"{indentation(ctx, first)}super().__init__(){newline_of(ctx)}"
        return Fix("Call `super().__init__()` first", (Edit.insert(Pos(first.lineno, 0), text),), Applicability.SAFE)

    def foreign_super(self, ctx: FileContext, info: ClassInfo) -> Iterator[Finding]:
        ancestors = _local_ancestors(info)
        for method in info.methods.values():
            for node in own_nodes(method):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "super"
                    and len(node.args) == 2
                    and isinstance(node.args[0], ast.Name)
                ):
                    continue
                named = node.args[0].id
                if named == info.name or named in ancestors:
                    continue
                other = ctx.classes.get(named)
                unbound = (
                    ctx.names.binding(named, node) is None
                    and not _star_may_bind(ctx, named)
                    and not hasattr(builtins, named)
                )
                if other is None and not unbound:
                    continue  # an imported class: it may be a base of a base
                if other is not None and ctx.qualname(node.args[0]) is not None:
                    continue
                first = method.args.args[0].arg if method.args.args else None
                fix = None
                if isinstance(node.args[1], ast.Name) and node.args[1].id == first:
                    fix = Fix("Use `super()`", (Edit(ctx.doc.node_span(node), "super()"),), Applicability.SAFE)
                problem = (
                    "is not defined in this file (NameError)"
                    if unbound
                    else f"is not `{info.name}` or one of its bases (TypeError)"
                )
                related = [
                    _class_header(ctx, info.node, f"`{info.name}` is defined here; `{named}` is not among its bases")
                ]
                if other is not None:
                    related.insert(0, _class_header(ctx, other.node, f"`{named}` is another class of this file"))
                related.sort(key=lambda r: (r.span.start, r.span.end))
                yield self.report(
                    ctx,
                    node,
                    f"`super({named}, ...)` in class `{info.name}`: `{named}` {problem}",
                    fixes=[fix] if fix else [],
                    related=related,
                )


def _def_name(ctx: FileContext, node: Function) -> ast.AST:
    """The ``name`` of ``def name(...)`` as a node to report on (not the whole function)."""
    raw = ctx.doc.line_text(node.lineno).encode()  # ast columns are UTF-8 byte offsets
    start = raw.find(node.name.encode(), node.col_offset)
    start = start if start >= 0 else node.col_offset
    marker = ast.Name(id=node.name, ctx=ast.Load())
    marker.lineno, marker.col_offset = node.lineno, start
    marker.end_lineno, marker.end_col_offset = node.lineno, start + len(node.name.encode())
    return marker


def _class_header(ctx: FileContext, node: ast.ClassDef, message: str) -> Related:
    """``class Name`` of a class statement (not its whole body)."""
    start = Pos(node.lineno, node.col_offset)
    return Related(Span(start, Pos(node.lineno, node.col_offset + len("class ") + len(node.name))), message)


def _local_ancestors(info: ClassInfo) -> set[str]:
    found: set[str] = set()
    pending = list(info.local_bases)
    while pending:
        base = pending.pop()
        if base.name not in found:
            found.add(base.name)
            pending.extend(base.local_bases)
    for expr in info.node.bases:  # names of imported bases count as ancestors too
        if isinstance(expr, ast.Name):
            found.add(expr.id)
    return found


def _star_may_bind(ctx: FileContext, name: str) -> bool:
    """Whether a star import of the file may bind ``name``: one of a module whose exports are
    unknown (a project's, most libraries'), or of a torch module that exports it."""
    if "import *" not in ctx.doc.text:
        return False
    return any(
        star_exports(node.module or "", name) is not False if not node.level else True
        for node in ctx.index.of(ast.ImportFrom)
        if any(alias.name == "*" for alias in node.names)
    )
