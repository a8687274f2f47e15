"""PTL201: a backward() through a graph an earlier backward() already freed."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.document import Pos
from pt_lsp.core.edits import (
    add_keyword,
    body_insertion,
    delete_statement,
    indentation,
    source_of,
    statement_of,
)
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Related, Severity
from pt_lsp.core.fixes import BoundNames
from pt_lsp.core.flow.pass_entries import iterated_lists
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import attr_path, is_self_attr, own_nodes, parameter_defaults
from pt_lsp.rules.autograd._freed_graph_cases import BackwardEvent, Carried, EventCase, freed_graph_events
from pt_lsp.rules.autograd._retained_steps import likely_message, stepped_grade

RETAIN = "retain_graph=True"
# Where retain_graph goes when passed by position: Tensor.backward(gradient, retain_graph, ...),
# torch.autograd.backward(tensors, grad_tensors, retain_graph, ...), torch.autograd.grad(outputs,
# inputs, grad_outputs, retain_graph, ...).
RETAIN_POSITION = {"torch.autograd.backward": 2, "torch.autograd.grad": 3}
# backward(), torch.autograd.grad/backward, or grad imported from torch.autograd
_MAY_BACKWARD = re.compile(r"\.backward\(|autograd\.(?:grad|backward)\(|from torch\.autograd import [^\n]*\bgrad\b")


class BackwardThroughFreedGraph(Rule):
    """
    ## What it does
    Flags a `backward()` (or `torch.autograd.grad()`) that would run through part of an
    autograd graph that an earlier `backward()` already freed: the same loss backwarded twice,
    two losses sharing a subgraph (multi-task heads, a GAN generator output used by both the
    discriminator and the generator loss), a recurrent hidden state carried from one iteration
    to the next without `.detach()`, or a tensor computed once before a loop. Also flags a
    backward through a graph kept with `retain_graph=True` after an optimizer's `step()` updated
    parameters that graph saved (the GAN discriminator stepped between the two losses). That
    case is an error where the file builds the optimizer from the parameters of a module the
    graph went through, and a warning ("likely") where only the optimizer's name ties it to a
    module (`critic_optim.step()` in a function given `critic` and `critic_optim`): torch raises
    only if the graph saved one of its parameters (a one-layer critic applied to data does not).

    ## Why is this bad?
    To save memory, `backward()` frees the intermediate values each graph node saved for the
    gradient computation unless `retain_graph=True` is passed. A second backward through those
    nodes raises `RuntimeError: Trying to backward through the graph a second time (or directly
    access saved tensors after they have already been freed)`. In a loop that carries a hidden
    state, the error appears in the second iteration; without it, the graph (and memory) would
    grow with every step. After `optimizer.step()` changed the saved parameters in place, a
    kept graph raises `RuntimeError: one of the variables needed for gradient computation has
    been modified by an inplace operation` instead (there is no fix: move the `step()` after the
    last backward, or recompute the second loss).

    ## Example
    ```python
    hidden = model.init_hidden(batch_size)
    for inputs, targets in batches:
        output, hidden = model(inputs, hidden)
        loss = criterion(output, targets)
        loss.backward()  # second iteration: backward into the first one's freed graph
    ```

    ## Use instead
    ```python
    for inputs, targets in batches:
        hidden = hidden.detach()  # truncated backpropagation through time
        output, hidden = model(inputs, hidden)
        ...
    ```
    For a GAN, detach the generator output in the discriminator step (`D(fake.detach())`); for
    several losses on one graph, sum them and call `backward()` once.

    ## Fix safety
    Every fix changes which gradients are computed, so all are unsafe: detaching a hidden
    state truncates backpropagation at the iteration boundary (which is what training an RNN
    on a long sequence intends); detaching the generator output stops discriminator-loss
    gradients from reaching the generator (which a GAN intends); summing losses gives the same
    gradients as two backward calls when nothing between them uses the gradients.
    `retain_graph=True` keeps the graph alive and is offered where reusing it is the intent;
    it is never the preferred fix for a carried hidden state, where it would make every step
    backpropagate through all earlier ones.

    ## References
    - [torch.Tensor.backward](https://pytorch.org/docs/stable/generated/torch.Tensor.backward.html)
    - [Autograd mechanics: saved tensors](https://pytorch.org/docs/stable/notes/autograd.html)
    - [word_language_model example: repackage_hidden](https://github.com/pytorch/examples/blob/main/word_language_model/main.py)
    """

    code = "PTL201"
    name = "backward-through-freed-graph"
    summary = "`backward()` through a graph that an earlier `backward()` already freed"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        text = ctx.doc.text
        # the regex from where a match may start ('from torch.' is 11 characters): it scans slowly
        if ".backward(" not in text and (
            "autograd" not in text or not _MAY_BACKWARD.search(text, max(text.find("autograd") - 11, 0))
        ):
            return
        # a `.backward()` method of an object the file calls (`model(x)`, `model.forward(x, y)`):
        # tensors are not callable, so it is no Tensor.backward (a NumPy model's; audit-14 G1)
        events = [
            event
            for event in freed_graph_events(ctx.flow)
            if not _object_method(ctx, event.call) and not _gives_values(ctx, event.call, event.earlier)
        ]
        # The backwards through one graph that one earlier backward freed: each needs the graph
        # kept by every backward before it, so that one round of fixes is the whole fix.
        freed_by: dict[int, list[ast.Call]] = {}
        for event in events:
            if event.case is EventCase.SAME_TENSOR and event.earlier is not event.call:
                freed_by.setdefault(id(event.earlier), []).append(event.call)
        for event in events:
            gan = self.gan_uses(ctx, event) if event.case is EventCase.SHARED_GRAPH else []
            before = [c for c in freed_by.get(id(event.earlier), []) if _position(c) < _position(event.call)]
            pool = _pooled_list(ctx, event)
            message, severity = self.message(event, bool(gan), _function_name(ctx, event.call), pool), None
            if event.case is EventCase.PARAMETERS_UPDATED and event.step is not None:
                severity, modules = stepped_grade(ctx, event)  # a name tie or a callable's output: likely
                if severity is Severity.WARNING:
                    message = likely_message(ast.unparse(event.step), modules)
            yield self.report(
                ctx,
                event.call,
                message,
                fixes=self.fixes(ctx, event, gan, before),
                related=self.path(ctx, event, pool),
                severity=severity,
            )

    # -- evidence path --------------------------------------------------------------------------
    def path(self, ctx: FileContext, event: BackwardEvent, pool: str | None = None) -> tuple[Related, ...]:
        """The places that decide the finding: where the graph was built, where it is handed on,
        and the backward() that freed it."""
        if event.case is EventCase.PARAMETERS_UPDATED and event.step is not None:
            kept = Related(ctx.doc.node_span(event.earlier), "the graph is kept by this backward(retain_graph=True)")
            step = source_of(ctx, event.step.func)
            updated = Related(ctx.doc.node_span(event.step), f"`{step}()` updates the parameters it saved, in place")
            used = [Step(site, "the graph saves the stepped parameters here") for site in event.sites[:1]]
            return evidence_path(ctx, used, kept, updated)
        steps = []
        built = {
            EventCase.BEFORE_LOOP: "the graph is built here, once, before the loop",
            EventCase.CARRIED_STATE: "the graph is built here in the previous iteration",
        }.get(event.case, "the freed graph is built here")
        if pool is not None:
            built = f"the graph is built here and kept in `{pool}` by an earlier iteration"
        for site in event.sites[:1]:
            steps.append(Step(site, built))
        if event.case is EventCase.CARRIED_STATE and event.loop is not None:
            for name, _ in event.carried:
                store = _last_store(event.loop, name)
                if store is not None:
                    steps.append(Step(store, f"`{_shown(name)}` carried to the next iteration here"))
        if event.earlier is event.call:
            freed = "the graph is freed by this backward() in the previous iteration"
        else:
            freed = "the graph is freed by this backward()"
        return evidence_path(ctx, steps, Related(ctx.doc.node_span(event.earlier), freed))

    # -- messages -------------------------------------------------------------------------------
    def message(self, event: BackwardEvent, gan: bool, function: str | None = None, pool: str | None = None) -> str:
        if event.case is EventCase.PARAMETERS_UPDATED and event.step is not None:
            step = ast.unparse(event.step)  # the line is on the evidence path (in a notebook, its cell)
            return (
                f"Backward through a graph whose parameters `{step}` updated in place after the graph was kept: "
                "torch raises 'modified by an inplace operation'; call `step()` after the last backward"
            )
        if event.earlier is not event.call:
            earlier = f"the {_called(event.earlier)} on line {event.earlier.lineno}"
        elif event.case in (EventCase.CARRIED_STATE, EventCase.BEFORE_LOOP):
            earlier = "this call in the previous iteration"
        else:  # one backward reached twice within one iteration: through two calls of its function
            earlier = f"this backward() in an earlier call of `{function}()`" if function else "this backward() earlier"
        head = f"Backward through a graph already freed by {earlier}"
        if event.case is EventCase.CARRIED_STATE:
            names = ", ".join(f"`{_shown(name)}`" for name, _ in event.carried) or "a value"
            if event.carried and all(shape is Carried.LIST for _, shape in event.carried):
                return f"{head}: {names} keeps values from earlier iterations, whose graphs are freed"
            return f"{head}: {names} is carried across loop iterations without `.detach()`"
        if event.case is EventCase.BEFORE_LOOP and pool is not None:
            return (
                f"{head}: `{pool}` still holds entries an earlier update backwarded; "
                f"empty it after each update (`{pool}.clear()`)"
            )
        if event.case is EventCase.BEFORE_LOOP:
            return f"{head}: part of the graph was built once before the loop and freed in its first iteration"
        if event.case is EventCase.SAME_TENSOR:
            return f"{head}: the same graph is backwarded twice without `retain_graph=True`"
        # inside the function called twice, the variables name its arguments, not what they share
        shared = ", ".join(f"`{name}`" for name in event.shared) if event.earlier is not event.call else ""
        shared = shared or "a shared subgraph"
        if gan:
            return f"{head}: the discriminator step backwarded through the generator output {shared}; detach it there"
        return f"{head}: both losses depend on {shared}"

    # -- fixes ----------------------------------------------------------------------------------
    def fixes(
        self, ctx: FileContext, event: BackwardEvent, gan_uses: list[ast.Name], between: list[ast.Call]
    ) -> list[Fix]:
        if event.case is EventCase.PARAMETERS_UPDATED:
            return []  # where the step belongs (and whether to recompute the graph) is the author's call
        retain = _retain(ctx, event.earlier)
        kept = [edit for edit in (_retain(ctx, call) for call in between) if edit is not None]
        retain_fix = (
            Fix(f"Pass `{RETAIN}` to the earlier backward", (retain, *kept), Applicability.UNSAFE) if retain else None
        )
        if event.case is EventCase.CARRIED_STATE:
            return [fix for fix in (self.detach_state(ctx, event), self.clear_lists(ctx, event)) if fix]
        if event.case is EventCase.BEFORE_LOOP:
            return (
                [
                    Fix(
                        f"Pass `{RETAIN}` (or recompute the value inside the loop)",
                        (retain,),
                        Applicability.DISPLAY_ONLY,
                    )
                ]
                if retain
                else []
            )
        if event.case is EventCase.SAME_TENSOR:
            return [retain_fix] if retain_fix else []
        fixes = []
        if gan_uses:
            name = event.shared[0]
            fixes.append(
                Fix(
                    f"Detach `{name}` in the discriminator step",
                    tuple(Edit(ctx.doc.node_span(use), f"{name}.detach()") for use in gan_uses),
                    Applicability.UNSAFE,
                )
            )
        else:
            combined = self.sum_losses(ctx, event)
            if combined:
                fixes.append(combined)
        if retain_fix:
            fixes.append(retain_fix)
        return fixes

    def detach_state(self, ctx: FileContext, event: BackwardEvent) -> Fix | None:
        loop = event.loop
        if loop is None:
            return None
        # Not the state of a layer inside a container (`net.4.mem`): it is None before its first
        # call, and resetting it is the module's business. Nor an attribute a method fills once
        # under a guard (`if self.cached is None: self.cached = ...`): detaching that cache may cut
        # the model's only path to its parameters. A state the module replaces on every call
        # (`out, self.hidden = self.lstm(x, self.hidden)`) is detached like a loop variable.
        states = [
            (name, shape)
            for name, shape in event.carried
            if shape is not Carried.LIST
            and not _LAYER_INDEX.search(name)
            and ("." not in name or _last_store(loop, name) is not None or _replaced_per_call(ctx, name))
        ]
        if not states:
            return None
        # Only what the loop receives: a name first bound inside the body would be read before it
        # exists (NameError in the first iteration); it is made anew in each iteration anyway.
        start = Pos(loop.body[0].lineno, 0)
        bound = _bound_names(ctx)
        states = [(name, shape) for name, shape in states if bound.bound_before(name.split(".")[0], start)]
        if not states:
            return None
        lines = []
        nones = _none_bindings(ctx)
        for name, shape in states:
            if shape is Carried.TUPLE:
                item = "s" if name == "h" else "h"
                detached = f"tuple({item}.detach() for {item} in {name})"
            else:
                detached = f"{name}.detach()"
            # `self.cached = None` in a constructor: the module's attribute is None until its
            # first call fills it
            attr = f"self.{name.rsplit('.', 1)[-1]}" if "." in name else None
            if any(position < (start.line, 0) for position in nones.get(name, ())) or (attr and attr in nones):
                # `hidden = None` before the loop (an RNN's default state): the first iteration
                # has nothing to detach, and `None.detach()` would raise.
                detached = f"{detached} if {name} is not None else None"
            lines.append(f"{name} = {detached}")
        edit = body_insertion(ctx, loop.body, lines)
        if edit is None:
            return None
        names = ", ".join(f"`{name}`" for name, _ in states)
        return Fix(f"Detach {names} at the start of each iteration", (edit,), Applicability.UNSAFE)

    def clear_lists(self, ctx: FileContext, event: BackwardEvent) -> Fix | None:
        """A list that keeps growing across updates (saved log-probabilities): clear it after
        the backward. Shown, not applied: where to clear it is the author's call."""
        lists = [name for name, shape in event.carried if shape is Carried.LIST]
        stmt = statement_of(ctx, event.call)
        if not lists or stmt is None:
            return None
        indent = indentation(ctx, stmt)
        end = ctx.doc.node_span(stmt).end
        text = "".join(f"\n{indent}{name}.clear()" for name in lists)
        names = ", ".join(f"`{name}`" for name in lists)
        return Fix(f"Clear {names} after each update", (Edit.insert(end, text),), Applicability.DISPLAY_ONLY)

    def sum_losses(self, ctx: FileContext, event: BackwardEvent) -> Fix | None:
        """``a.backward(); b.backward()`` -> ``(a + b).backward()`` in one block."""
        earlier_stmt, later_stmt = statement_of(ctx, event.earlier), statement_of(ctx, event.call)
        earlier_func, later_func = event.earlier.func, event.call.func
        if not (
            isinstance(earlier_func, ast.Attribute)
            and isinstance(later_func, ast.Attribute)
            and earlier_func.attr == later_func.attr == "backward"
            and isinstance(earlier_stmt, ast.Expr)
            and earlier_stmt.value is event.earlier
            and not event.earlier.args
            and not event.earlier.keywords
            and isinstance(earlier_func.value, (ast.Name, ast.Attribute))
            and later_stmt is not None
            and later_stmt is not earlier_stmt  # one call reached twice (a method's backward): nothing to sum
            and ctx.parent(earlier_stmt) is ctx.parent(later_stmt)
        ):
            return None
        delete = delete_statement(ctx, earlier_stmt)
        if delete is None:
            return None
        total = f"({source_of(ctx, earlier_func.value)} + {source_of(ctx, later_func.value)})"
        replace = Edit(ctx.doc.node_span(later_func.value), total)
        return Fix(
            f"Sum the losses and call `backward()` once: `{total}.backward()`", (delete, replace), Applicability.UNSAFE
        )

    def gan_uses(self, ctx: FileContext, event: BackwardEvent) -> list[ast.Name]:
        """Where the discriminator consumed the generator output before the earlier backward,
        when the same callee consumes it again afterwards (the generator step)."""
        if len(event.shared) != 1:
            return []
        name = event.shared[0]
        scope = ctx.names.scope_of(event.call)
        before: list[tuple[str, ast.Name]] = []
        after: set[str] = set()
        for node in ctx.index.of(ast.Call):
            if ctx.names.scope_of(node) is not scope:
                continue
            uses = [a for a in node.args if isinstance(a, ast.Name) and a.id == name]
            if not uses:
                continue
            callee = source_of(ctx, node.func)
            if node.lineno < event.earlier.lineno:
                before.extend((callee, use) for use in uses)
            elif event.earlier.lineno < node.lineno <= event.call.lineno:
                after.add(callee)
        assigned = _last_assignment(scope.node, name, event.earlier.lineno)
        return [use for callee, use in before if callee in after and use.lineno > assigned]


_LAYER_INDEX = re.compile(r"\.(\d+)(?=\.|$)")  # `net.4.mem`: the state of layer 4 of a container


def _shown(path: str) -> str:
    """A variable path as the user writes it: ``net.4.mem`` is ``net[4].mem``."""
    return _LAYER_INDEX.sub(r"[\1]", path)


def _replaced_per_call(ctx: FileContext, path: str) -> bool:
    """Whether the methods of the file assign ``self.<attr>`` (the last part of ``path``) outside
    ``__init__``, and never only under a test that reads it (a cache filled once)."""
    attr = path.rsplit(".", 1)[-1]
    stores = [
        node
        for node in ctx.index.of(ast.Attribute)  # only on a finding: a scan is affordable here
        if isinstance(node, ast.Attribute) and is_self_attr(node, attr) and isinstance(node.ctx, ast.Store)
    ]
    outside_init = [node for node in stores if _function_name(ctx, node) != "__init__"]
    return bool(outside_init) and not any(_guarded_by(ctx, node, attr) for node in outside_init)


def _guarded_by(ctx: FileContext, node: ast.AST, attr: str) -> bool:
    """Whether an ``if`` around ``node`` tests ``self.<attr>``."""
    parent = ctx.parent(node)
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if isinstance(parent, ast.If) and any(is_self_attr(n, attr) for n in ast.walk(parent.test)):
            return True
        parent = ctx.parent(parent)
    return False


def _object_method(ctx: FileContext, call: ast.Call) -> bool:
    """``call`` is ``X.backward(...)`` where the scope of the call also calls ``X`` itself or
    ``X.forward``: an object's method, not a tensor's."""
    func = call.func
    path = attr_path(func.value) if isinstance(func, ast.Attribute) and func.attr == "backward" else None
    if path is None:
        return False
    scope = ctx.names.scope_of(call).node
    known = _CALLED(ctx)
    key = (id(scope), path)
    if key not in known:
        known[key] = any(
            isinstance(node, ast.Call) and attr_path(_callee(node.func)) == path for node in own_nodes(scope)
        )
    return known[key]


def _called(call: ast.Call) -> str:
    """How a message names the call that freed the graph: ``backward()``, or the function that did
    (``torch.autograd.grad()``, ``grad()`` imported from it; audit-15)."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "backward":
        return "backward()"
    text = ast.unparse(func)
    return f"`{text}()`" if len(text) <= 40 else "backward()"


def _gives_values(ctx: FileContext, *calls: ast.Call) -> bool:
    """One of ``calls`` is an ``X.backward(...)`` whose result is unpacked (``dx, dh =
    cell.backward(delta, h)``) or that is given more positional arguments than Tensor.backward
    takes: an object's own method (a NumPy layer's), as Tensor.backward returns None (audit-15 G1)."""
    for call in calls:
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "backward") or ctx.qualname(func) is not None:
            continue  # `(g,) = torch.autograd.grad(y, x)` gives values, and is torch's
        if len(call.args) > 4:
            return True
        parent = ctx.parent(call)
        if isinstance(parent, ast.Assign) and any(isinstance(t, (ast.Tuple, ast.List)) for t in parent.targets):
            return True
    return False


def _callee(func: ast.expr) -> ast.expr:
    """What a call calls: ``model`` for ``model.forward(...)`` as for ``model(...)``."""
    return func.value if isinstance(func, ast.Attribute) and func.attr == "forward" else func


_CALLED: PerFile[dict[tuple[int, str], bool]] = PerFile(lambda ctx: {})  # (scope, path) -> called there


def _function_name(ctx: FileContext, node: ast.AST) -> str | None:
    """The name of the function ``node`` is in (None at module level)."""
    scope = ctx.names.scope_of(node).node
    return scope.name if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


@PerFile
def _bound_names(ctx: FileContext) -> BoundNames:
    """Where the file binds its names: computed once per file, not once per finding."""
    return BoundNames(ctx.doc.text, ctx.tree)


@PerFile
def _none_bindings(ctx: FileContext) -> dict[str, list[tuple[int, int]]]:
    """Where the file sets a name (or ``self.attr`` path) to ``None``: by assignment, or as a
    parameter's default. Computed once per file."""
    found: dict[str, list[tuple[int, int]]] = {}
    for node in ctx.index.of(ast.Assign, ast.AnnAssign):
        assert isinstance(node, (ast.Assign, ast.AnnAssign))
        value = node.value
        if isinstance(value, ast.Constant) and value.value is None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                path = attr_path(target)
                if path:
                    found.setdefault(path, []).append(_position(node))
    for function in ctx.index.of(ast.FunctionDef, ast.AsyncFunctionDef):
        for name, default in parameter_defaults(function.args).items():  # type: ignore[attr-defined]
            if isinstance(default, ast.Constant) and default.value is None:
                found.setdefault(name, []).append(_position(function))
    return found


def _pooled_list(ctx: FileContext, event: BackwardEvent) -> str | None:
    """The list a BEFORE_LOOP backward takes its entries from, where the freed graph was
    appended to it (``log_probs.append(m.log_prob(a))`` in the episode loop) and never emptied
    after the update: the entries an earlier update backwarded are backwarded again."""
    loop = event.loop
    if event.case is not EventCase.BEFORE_LOOP or not isinstance(loop, (ast.For, ast.AsyncFor)):
        return None
    lists = set(iterated_lists(loop.iter)) | set(_range_len(loop.iter))
    return next((pool for site in event.sites if (pool := _appended_to(ctx, site, lists))), None)


def _appended_to(ctx: FileContext, site: ast.AST, lists: set[str]) -> str | None:
    """The one of ``lists`` that ``site``'s statement appends the value built at ``site`` to."""
    node: ast.AST | None = site
    while node is not None and not isinstance(node, ast.stmt):
        parent = ctx.parent(node)
        if (
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Attribute)
            and parent.func.attr == "append"
            and node in parent.args
            and attr_path(parent.func.value) in lists
        ):
            return attr_path(parent.func.value)
        node = parent
    return None


def _range_len(iterable: ast.expr) -> list[str]:
    """``range(len(pool))`` -> ``["pool"]``."""
    if (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id == "range"
        and len(iterable.args) == 1
        and isinstance(length := iterable.args[0], ast.Call)
        and isinstance(length.func, ast.Name)
        and length.func.id == "len"
        and len(length.args) == 1
    ):
        path = attr_path(length.args[0])
        return [path] if path is not None else []
    return []


def _position(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset  # type: ignore[attr-defined]


def _retain(ctx: FileContext, call: ast.Call) -> Edit | None:
    """``retain_graph=True`` for ``call``: added, or the value it passes replaced."""
    position = RETAIN_POSITION.get(ctx.qualname(call.func) or "", 1)
    # retain_variables: the old name PTL107 renames; a second keyword beside it would not compile
    return add_keyword(ctx, call, RETAIN, position, aliases=("retain_variables",))


def _last_store(loop: ast.AST, path: str) -> ast.AST | None:
    """The last assignment to ``path`` (a name or ``obj.attr``) in the loop's body."""
    stores = [
        node
        for node in ast.walk(loop)  # only on a finding: a walk is affordable here
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store) and attr_path(node) == path
    ]
    return max(stores, key=lambda n: (n.lineno, n.col_offset), default=None)


def _last_assignment(scope: ast.AST, name: str, before_line: int) -> int:
    lines = [
        node.lineno
        for node in ast.walk(scope)
        if isinstance(node, ast.Name)
        and node.id == name
        and isinstance(node.ctx, ast.Store)
        and node.lineno < before_line
    ]  # only on a finding: a walk is affordable here
    return max(lines, default=0)
