"""PTL204: a training loop that steps an optimizer but never resets the gradients."""

from __future__ import annotations

import ast
import weakref
from collections.abc import Iterator

from pt_lsp.core import vocabulary
from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Pos
from pt_lsp.core.edits import alone_on_lines, indentation, newline_of, statement_of
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import attr_path, own_nodes
from pt_lsp.rules.autograd.examples.missing_zero_grad import EXAMPLES

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
NOT_OPTIMIZERS = ("torch.optim.lr_scheduler", "torch.optim.swa_utils")
# Calls that take the optimizer without touching its gradients.
HARMLESS_WITH_OPTIMIZER = {
    "step",
    "unscale_",
    "update",
    "clip_grad_norm_",
    "clip_grad_value_",
    "print",
    "get_lr",
    "state_dict",
    "len",
    "isinstance",
    "save",
}
GRAD_RESET_METHODS = {"zero_", "fill_", "mul_", "detach_", "copy_", "requires_grad_", "set_"}


class MissingZeroGrad(Rule):
    """
    ## What it does
    Flags `optimizer.step()` in a loop that also calls `backward()` but never resets the
    gradients: no `optimizer.zero_grad()` or `model.zero_grad()`, no `p.grad = None` or
    `p.grad.zero_()`, anywhere in the loop, in a loop around it, or in a function of this file
    the loop calls; also a training-step function (backward and step, no reset) that this file
    calls in such a loop (a comprehension counts: `[self.train_step(b) for b in batches]`).
    The optimizer must be known: made by a `torch.optim` class (or by a class of the file derived
    from one that keeps its `step`), named so (`optimizer`, `optim_g`), or the loop variable over
    a list or dict of `torch.optim` optimizers (`for opt in optimizers.values()`). A reset of
    another optimizer, over another module's parameters, does not count for this one (a GAN
    loop that resets `optim_d` only), nor does a module's own `zero_grad()` for an optimizer
    over another module that this file builds (`self.generator.zero_grad()` before
    `self.optimizerD.step()`), nor a reset in the other arm of an `if` than the step, where the
    condition cannot change while the function runs (`if use_bf16: ... step() else:
    zero_grad() ...`).

    ## Why is this bad?
    `backward()` *adds* each gradient to `.grad`. Without a reset, the step of iteration `k`
    uses the sum of the gradients of iterations `1..k`: the updates grow, the training follows
    a different (usually diverging) path, and nothing raises. Accumulating over several
    batches is a legitimate technique, but it resets after each step
    (`if (i + 1) % k == 0: optimizer.step(); optimizer.zero_grad()`).

    ## Example
    ```python
    for inputs, targets in loader:
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
    ```

    ## Use instead
    ```python
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
    ```

    ## Fix safety
    The fix inserts `optimizer.zero_grad()` before the loop's first `backward()`. It is unsafe:
    it changes every update after the first (which is the point), and where accumulation was
    meant, the reset belongs after the step instead.

    ## References
    - [torch.optim.Optimizer.zero_grad](https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.zero_grad.html)
    - [PyTorch tutorial: optimizing model parameters](https://pytorch.org/tutorials/beginner/basics/optimization_tutorial.html)
    """

    code = "PTL204"
    name = "missing-zero-grad"
    summary = "a loop calls `backward()` and `optimizer.step()` but never resets the gradients"
    severity = Severity.ERROR
    examples = EXAMPLES

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        text = ctx.doc.text
        if "backward(" not in text or ".step(" not in text:
            return
        for call in ctx.index.of(ast.Call):
            optimizer = self.stepped_optimizer(call)
            if optimizer is None:
                continue
            evidence = self.optimizer_evidence(ctx, optimizer)
            if evidence is None:
                continue
            severity = Severity.ERROR if evidence == "torch.optim" else Severity.WARNING
            name = attr_path(optimizer)
            if name is None:
                continue  # (never: stepped_optimizer returns attribute paths only)
            loops = self.training_loop(ctx, call)
            if loops is None:
                yield from self.step_function(ctx, call, optimizer, name, severity)
                continue
            loop, outermost = loops
            others: list[ast.Call] = []
            if self.resets_or_unknown(ctx, outermost, optimizer, others=others, step=call):
                continue
            backward = self.first_backward(ctx, loop)
            if others:  # another optimizer is reset: zero this one before its own backward
                backward = self.last_backward_before(ctx, loop, call) or backward
                stepped = self.stepped_in(ctx, loop)
                unreset = [n for n in stepped if not self.resets_or_unknown(ctx, outermost, _path(n))]
                message = (
                    f"`{name}` steps in a loop that never resets its gradients (only {self.whose(ctx, others)}):"
                    f" every `backward()` adds to the gradients of all earlier iterations; call"
                    f" `{name}.zero_grad()` in each iteration"
                )
            else:
                unreset = self.stepped_in(ctx, loop)
                message = (
                    f"`{name}` steps in a loop that never resets the gradients: every `backward()` adds to"
                    f" the gradients of all earlier iterations; call `{name}.zero_grad()` in each iteration"
                )
            steps = [*self.created(ctx, optimizer), *self.repeated(loop)]
            steps += [Step(other, self.other_reset(ctx, other)) for other in others]
            if backward is not None:
                steps.append(Step(backward, "each call adds to the gradients the step uses"))
            yield self.report(
                ctx,
                call,
                message,
                fixes=self.fixes(ctx, backward, unreset or [name]),
                related=evidence_path(ctx, steps),
                severity=severity,
            )

    def step_function(
        self, ctx: FileContext, step: ast.Call, optimizer: ast.expr, name: str, severity: Severity
    ) -> Iterator[Finding]:
        """A training-step function (backward and step, no reset, no loop) that this file calls
        in a loop that does not reset the gradients either."""
        function = ctx.parent(step)
        while function is not None and not isinstance(function, _FUNCTIONS):
            if isinstance(function, _LOOPS):
                return
            function = ctx.parent(function)
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        backward = self.first_backward(ctx, function)
        others: list[ast.Call] = []
        if (
            backward is None
            or self.resets_or_unknown(ctx, function, optimizer, others=others, step=step)
            or sum(f.name == function.name for f in ctx.index.of(ast.FunctionDef)) != 1
        ):
            return
        for caller in ctx.index.of(ast.Call):
            callee = (
                caller.func.attr
                if isinstance(caller.func, ast.Attribute)
                else caller.func.id
                if isinstance(caller.func, ast.Name)
                else None
            )
            if callee != function.name:
                continue
            loop = self.outermost_loop(ctx, caller)
            if loop is None or self.resets_or_unknown(
                ctx, loop, self.argument_for(function, caller, optimizer), step=step
            ):
                continue
            message = (
                f"`{name}` steps in `{function.name}()`, which a loop calls without resetting the gradients:"
                f" every call's `backward()` adds to the gradients of all earlier calls; call"
                f" `{name}.zero_grad()` before the backward"
            )
            # (the path starts at the call in the loop: tests/rules/test_ptl204.py relies on it)
            steps = [Step(caller, "called in a loop here")]
            steps += [Step(other, self.other_reset(ctx, other)) for other in others]
            yield self.report(
                ctx,
                step,
                message,
                fixes=self.fixes(ctx, backward, [name]),
                related=evidence_path(ctx, steps),
                severity=severity,
            )
            return

    # -- evidence path ------------------------------------------------------------------------------
    @staticmethod
    def created(ctx: FileContext, optimizer: ast.expr) -> list[Step]:
        """Where the optimizer is made (by a `torch.optim` class)."""
        path = attr_path(optimizer)
        made = [
            assign.value
            for assign in _assignments_to(ctx, path, ctx.names.scope_of(optimizer).node)
            if isinstance(assign.value, ast.Call)
            and (
                (ctx.qualname(assign.value.func) or "").startswith("torch.optim.")
                or _optimizer_subclass(ctx, assign.value.func)
            )
        ]
        return [Step(call, f"`{path}` created here") for call in made]

    @staticmethod
    def repeated(loop: ast.AST) -> list[Step]:
        """The loop's header: where the next iteration starts without a reset."""
        header = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else getattr(loop, "test", None)
        return [Step(header, "each iteration of this loop runs backward() and step() again")] if header else []

    @staticmethod
    def last_backward_before(ctx: FileContext, loop: ast.AST, step: ast.Call) -> ast.Call | None:
        found = [
            node
            for node in own_nodes(loop)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "backward"
            and (node.lineno, node.col_offset) < (step.lineno, step.col_offset)
        ]
        return max(found, key=lambda n: (n.lineno, n.col_offset), default=None)

    @staticmethod
    def parameter_root(ctx: FileContext, path: str) -> str | None:
        """``model`` for an optimizer made only by ``torch.optim.X(model.parameters(), ...)``."""
        roots: set[str | None] = set()
        for assign in ctx.index.of(ast.Assign):
            if not any(attr_path(t) == path for t in assign.targets):
                continue
            call = assign.value
            first = call.args[0] if isinstance(call, ast.Call) and call.args else None
            if (
                isinstance(first, ast.Call)
                and isinstance(first.func, ast.Attribute)
                and first.func.attr == "parameters"
                and not first.args
            ):
                roots.add(attr_path(first.func.value))
            else:
                roots.add(None)
        return roots.pop() if len(roots) == 1 else None

    def resets_other(self, ctx: FileContext, node: ast.AST, path: str | None) -> bool:
        """``node`` is ``other.zero_grad()`` for an optimizer over the parameters of another
        module than ``path``'s: it leaves ``path``'s gradients alone."""
        if not (
            path
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "zero_grad"
        ):
            return False
        other = attr_path(node.func.value)
        if other is None or other == path:
            return False
        mine, theirs = self.parameter_root(ctx, path), self.parameter_root(ctx, other)
        if mine is not None and theirs is not None:
            return mine != theirs
        # `self.generator.zero_grad()`, a module's own reset: it clears that module's gradients
        # only, not those of `optimizerD` over another, distinct module (`self.discriminator`)
        return (
            mine is not None
            and theirs is None
            and not _nested(mine, other)
            and _fresh_module(ctx, mine)
            and _fresh_module(ctx, other)
        )

    def module_reset(self, ctx: FileContext, reset: ast.Call) -> str | None:
        """``G`` for ``G.zero_grad()`` where ``G`` is a module (not an optimizer over parameters)."""
        path = attr_path(reset.func.value) if isinstance(reset.func, ast.Attribute) else None
        return path if path is not None and self.parameter_root(ctx, path) is None else None

    def other_reset(self, ctx: FileContext, reset: ast.Call) -> str:
        """What the reset ``reset`` (of another optimizer or module) clears, for the evidence path."""
        module = self.module_reset(ctx, reset)
        if module is not None:
            return f"this resets `{module}`'s own gradients, another module's, not these"
        return "this resets another optimizer's gradients, not these"

    def whose(self, ctx: FileContext, others: list[ast.Call]) -> str:
        modules = sum(self.module_reset(ctx, other) is not None for other in others)
        if modules == 0:
            return "other optimizers'"
        return "other modules'" if modules == len(others) else "other optimizers' and modules'"

    @staticmethod
    def outermost_loop(ctx: FileContext, node: ast.AST) -> ast.AST | None:
        """The outermost loop around ``node`` in its function: a comprehension calls it once per
        element too (``[self.train_step(b) for b in batches]``)."""
        found: ast.AST | None = None
        current = ctx.parent(node)
        while current is not None and not isinstance(current, _FUNCTIONS):
            if isinstance(current, (*_LOOPS, *_COMPREHENSIONS)):
                found = current
            current = ctx.parent(current)
        return found

    @staticmethod
    def argument_for(
        function: ast.FunctionDef | ast.AsyncFunctionDef, caller: ast.Call, optimizer: ast.expr
    ) -> ast.expr:
        """What the caller passes for the optimizer, where it is one of the function's parameters."""
        path = attr_path(optimizer) or ""
        params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        if params and params[0] == "self" and isinstance(caller.func, ast.Attribute):
            params = params[1:]
        root = path.split(".")[0]
        if root not in params and root not in [a.arg for a in function.args.kwonlyargs]:
            return optimizer
        passed = next((k.value for k in caller.keywords if k.arg == root), None)
        if passed is None and root in params and params.index(root) < len(caller.args):
            passed = caller.args[params.index(root)]
        return passed if passed is not None and attr_path(passed) and path == root else optimizer

    # -- what is stepped -----------------------------------------------------------------------
    @staticmethod
    def stepped_optimizer(call: ast.Call) -> ast.expr | None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "step"):
            return None
        receiver = attr_path(func.value)
        if receiver is None:
            return None
        if receiver.rsplit(".", 1)[-1].lower().endswith("scaler"):
            return call.args[0] if len(call.args) == 1 and attr_path(call.args[0]) and not call.keywords else None
        if call.args or call.keywords:
            return None  # step(closure): the closure evaluates (and usually resets) the gradients
        return func.value

    @staticmethod
    def optimizer_evidence(ctx: FileContext, optimizer: ast.expr) -> str | None:
        path = attr_path(optimizer)
        if path is None:
            return None
        verdicts = _VERDICTS.setdefault(ctx, {})
        if path not in verdicts:  # it depends on the path only: asked once per path, not per step()
            verdicts[path] = MissingZeroGrad._optimizer_verdict(ctx, path)
        return verdicts[path]

    @staticmethod
    def _optimizer_verdict(ctx: FileContext, path: str) -> str | None:
        found = None
        for assign in _assignments_to(ctx, path):
            if isinstance(assign.value, ast.Call):
                qualname = ctx.qualname(assign.value.func) or ""
                if _is_torch_optimizer(qualname) or _optimizer_subclass(ctx, assign.value.func):
                    found = "torch.optim"
                else:
                    return None  # bound to something else as well
        if found:
            return found
        if "." not in path and MissingZeroGrad._iterated_optimizers(ctx, path):
            return "torch.optim"
        last = path.rsplit(".", 1)[-1].lower()
        if "optim" in last and not any(_defines_step(info.node) for info in ctx.class_list):
            return "name"
        return None

    @staticmethod
    def _iterated_optimizers(ctx: FileContext, name: str) -> bool:
        """``name`` is only ever bound by loops over a container of `torch.optim` optimizers
        (``for opt in optimizers.values()``, ``for _, opt in optimizers.items()``, a list)."""
        loops: list[ast.For | ast.AsyncFor | ast.comprehension] = [
            *ctx.index.of(ast.For),
            *ctx.index.of(ast.AsyncFor),
            *ctx.index.of(ast.comprehension),
        ]
        loops = [loop for loop in loops if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(loop.target))]
        if not loops:
            return False
        for loop in loops:
            container: ast.expr = loop.iter
            method: str | None = None
            target = loop.target
            if isinstance(container, ast.Call) and isinstance(container.func, ast.Attribute) and not container.args:
                method = container.func.attr
                container = container.func.value
            if method == "items" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
                if not (isinstance(target.elts[1], ast.Name) and target.elts[1].id == name):
                    return False
            elif not (method in (None, "values") and isinstance(target, ast.Name)):
                return False
            assigned = _assignments_to(ctx, attr_path(container), ctx.names.scope_of(loop).node)
            if not assigned or not all(_holds_optimizers(ctx, a.value, method) for a in assigned):
                return False
        return True

    # -- the loop ----------------------------------------------------------------------------------
    def training_loop(self, ctx: FileContext, step: ast.Call) -> tuple[ast.AST, ast.AST] | None:
        """The innermost loop around the step that also holds a backward(), and the outermost
        loop around that one (in the same function)."""
        loops: list[ast.AST] = []
        current = ctx.parent(step)
        while current is not None and not isinstance(current, _FUNCTIONS):
            if isinstance(current, _LOOPS):
                loops.append(current)
            current = ctx.parent(current)
        for loop in loops:
            if self.first_backward(ctx, loop) is not None:
                return loop, loops[-1]
        return None

    @staticmethod
    def first_backward(ctx: FileContext, loop: ast.AST) -> ast.Call | None:
        found: ast.Call | None = None
        for node in own_nodes(loop):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "backward":
                if found is None or (node.lineno, node.col_offset) < (found.lineno, found.col_offset):
                    found = node
        return found

    def resets_or_unknown(
        self,
        ctx: FileContext,
        loop: ast.AST,
        optimizer: ast.expr,
        depth: int = 0,
        others: list[ast.Call] | None = None,
        step: ast.Call | None = None,
    ) -> bool:
        """The loop resets gradients somewhere, or does something with them this rule cannot see.
        ``others`` collects the resets of other optimizers' gradients, which do not count; nor
        does a reset in the other arm of an ``if`` than ``step`` (on a flag fixed in the call)."""
        path = attr_path(optimizer)
        for node in ast.walk(loop):  # only for a loop that steps an optimizer
            if self.resets_other(ctx, node, path):
                if others is not None and isinstance(node, ast.Call):
                    others.append(node)
                continue
            if _is_reset(node):
                if step is not None and _other_arm(ctx, node, step):
                    continue  # never runs on the path that steps
                return True
            if isinstance(node, ast.Assign) and any(attr_path(t) == path for t in node.targets):
                return True  # a fresh optimizer (and model) every iteration
            if isinstance(node, ast.Call):
                callee = (
                    node.func.attr
                    if isinstance(node.func, ast.Attribute)
                    else node.func.id
                    if isinstance(node.func, ast.Name)
                    else None
                )
                if callee is None:
                    continue
                local = _functions_named(ctx, callee)
                if (
                    local
                    and depth < 2
                    and not (step is not None and _other_arm(ctx, node, step))
                    and any(self.resets_or_unknown(ctx, f, optimizer, depth + 1, others, step) for f in local)
                ):
                    return True
                passes = any(attr_path(a) == path for a in (*node.args, *(k.value for k in node.keywords)))
                if passes and callee not in HARMLESS_WITH_OPTIMIZER and not local:
                    return True  # handed to code we cannot see, which may reset it
        return False

    # -- the fix -----------------------------------------------------------------------------------
    def stepped_in(self, ctx: FileContext, loop: ast.AST) -> list[str]:
        """Every optimizer the loop steps, in order: one fix resets them all (the findings of one
        loop then carry the same edit)."""
        names: list[str] = []
        for node in sorted(
            (n for n in own_nodes(loop) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset)
        ):
            optimizer = self.stepped_optimizer(node)
            if optimizer is None:
                continue
            name = attr_path(optimizer)
            if name and name not in names and self.optimizer_evidence(ctx, optimizer):
                names.append(name)
        return names

    def fixes(self, ctx: FileContext, backward: ast.Call | None, names: list[str]) -> list[Fix]:
        stmt = statement_of(ctx, backward) if backward is not None else None
        if stmt is None or not names or not alone_on_lines(ctx, [stmt]):
            return []
        if any(
            "." not in name and not _assignments_to(ctx, name) and self._iterated_optimizers(ctx, name)
            for name in names
        ):
            return []  # a loop variable over optimizers: it is not bound before the backward
        text = "".join(f"{indentation(ctx, stmt)}{name}.zero_grad(){newline_of(ctx)}" for name in names)
        calls = ", ".join(f"`{name}.zero_grad()`" for name in names)
        return [
            Fix(f"Call {calls} before `backward()`", (Edit.insert(Pos(stmt.lineno, 0), text),), Applicability.UNSAFE)
        ]


def _holds_optimizers(ctx: FileContext, value: ast.AST, method: str | None) -> bool:
    """A list or dict (display or comprehension) whose every element is a `torch.optim` optimizer;
    a dict only where its values are iterated (``method``), a list only where it is itself."""
    if isinstance(value, (ast.List, ast.Tuple)) and method is None:
        elements: list[ast.AST] = list(value.elts)
    elif isinstance(value, ast.ListComp) and method is None:
        elements = [value.elt]
    elif isinstance(value, ast.Dict) and method is not None and None not in value.keys:
        elements = list(value.values)
    elif isinstance(value, ast.DictComp) and method is not None:
        elements = [value.value]
    else:
        return False
    for element in elements:
        qualname = ctx.qualname(element.func) or "" if isinstance(element, ast.Call) else ""
        if not qualname.startswith("torch.optim.") or qualname.startswith(NOT_OPTIMIZERS):
            return False
    return bool(elements)


def _arms(ctx: FileContext, node: ast.AST) -> dict[int, tuple[ast.If, str]]:
    """The ``if`` statements around ``node`` in its function, each with the arm it is in."""
    found: dict[int, tuple[ast.If, str]] = {}
    child, parent = node, ctx.parent(node)
    while parent is not None and not isinstance(parent, _FUNCTIONS):
        if isinstance(parent, ast.If):
            if any(s is child for s in parent.body):
                found[id(parent)] = (parent, "body")
            elif any(s is child for s in parent.orelse):
                found[id(parent)] = (parent, "orelse")
        child, parent = parent, ctx.parent(parent)
    return found


def _other_arm(ctx: FileContext, reset: ast.AST, step: ast.AST) -> bool:
    """``reset`` and ``step`` are in different arms of one ``if`` whose test cannot change
    while the function runs (names and attributes it never rebinds, no calls): on the path that
    steps, the reset never runs."""
    mine = _arms(ctx, reset)
    for key, (branch, arm) in _arms(ctx, step).items():
        if key in mine and mine[key][1] != arm and _invariant(ctx, branch):
            return True
    return False


def _invariant(ctx: FileContext, branch: ast.If) -> bool:
    allowed = (ast.Name, ast.Attribute, ast.Constant, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.expr_context)
    allowed_ops = (ast.cmpop, ast.boolop, ast.unaryop)
    nodes = list(ast.walk(branch.test))
    if not all(isinstance(n, (*allowed, *allowed_ops)) for n in nodes):
        return False
    names = {n.id for n in nodes if isinstance(n, ast.Name)}
    scope: ast.AST | None = ctx.parent(branch)
    while scope is not None and not isinstance(scope, (*_FUNCTIONS, ast.Module)):
        scope = ctx.parent(scope)
    if scope is None or isinstance(scope, ast.Module) and names:
        return False  # a module-level flag may change between the calls of a loop
    return not any(
        isinstance(n, ast.Name) and n.id in names and not isinstance(n.ctx, ast.Load) for n in own_nodes(scope)
    ) and not any(isinstance(n, (ast.Global, ast.Nonlocal)) for n in own_nodes(scope))


def _nested(a: str, b: str) -> bool:
    """One path is the other or inside it (``model`` and ``model.encoder``): shared parameters."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _fresh_module(ctx: FileContext, path: str) -> bool:
    """Every assignment to ``path`` builds a new module (``nn.Sequential(...)``, a module class of
    this file, possibly ``.to(device)``): two such paths never hold the same parameters."""
    assigned = _assignments_to(ctx, path)
    return bool(assigned) and all(_builds_module(ctx, a.value) for a in assigned)


def _builds_module(ctx: FileContext, value: ast.AST) -> bool:
    while (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr in vocabulary.MODULE_SELF_METHODS
    ):
        value = value.func.value
    if not isinstance(value, ast.Call):
        return False
    qualname = ctx.qualname(value.func)
    if qualname is None:
        info = ctx.classes.get(value.func.id) if isinstance(value.func, ast.Name) else None
        return info is not None and info.is_module
    last = qualname.rsplit(".", 1)[-1]
    return (
        qualname.startswith("torch.nn.")
        and last[:1].isupper()
        and not qualname.startswith(("torch.nn.functional.", "torch.nn.parameter.", "torch.nn.utils."))
        and last not in ("Parameter", "Buffer", "UninitializedParameter")
    )


def _path(path: str) -> ast.expr:
    """An expression for the attribute path ``path`` (``optim_g``, ``self.opt``)."""
    return ast.parse(path, mode="eval").body


def _is_reset(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if "zero_grad" in name or "set_to_none" in name:
            return True
        if isinstance(func, ast.Attribute) and func.attr in GRAD_RESET_METHODS and _mentions_grad(func.value):
            return True
    if isinstance(node, (ast.Assign, ast.Delete, ast.AugAssign)):
        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
        return any(_mentions_grad(t) for t in targets)
    return False


def _mentions_grad(expr: ast.AST) -> bool:
    while isinstance(expr, (ast.Attribute, ast.Subscript)):
        if isinstance(expr, ast.Attribute) and expr.attr == "grad":
            return True
        expr = expr.value
    return False


def _is_torch_optimizer(qualname: str) -> bool:
    return qualname.startswith("torch.optim.") and not qualname.startswith(NOT_OPTIMIZERS)


def _optimizer_subclass(ctx: FileContext, func: ast.expr) -> bool:
    """A class of this file derived (through its local bases) from a `torch.optim` optimizer, that
    neither it nor a local base gives its own ``step``: it steps as the torch class does, without
    resetting the gradients (``class WarmSGD(torch.optim.SGD)`` that only adds a method)."""
    info = ctx.classes.get(func.id) if isinstance(func, ast.Name) and ctx.qualname(func) is None else None
    if info is None or info.method("step") is not None:
        return False
    seen: set[int] = set()
    pending = [info]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if any(_is_torch_optimizer(ctx.qualname(base) or "") for base in current.node.bases):
            return True
        pending.extend(current.local_bases)
    return False


def _defines_step(cls: ast.ClassDef) -> bool:
    """A class of this file with its own ``step``: a wrapper that may reset gradients itself."""
    return any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "step" for s in cls.body)


_ASSIGNMENTS: weakref.WeakKeyDictionary[FileContext, dict[tuple[str, int], list[ast.Assign]]] = (
    weakref.WeakKeyDictionary()
)
_VERDICTS: weakref.WeakKeyDictionary[FileContext, dict[str, str | None]] = weakref.WeakKeyDictionary()
_ANY_SCOPE = 0


def _assignments_to(ctx: FileContext, path: str | None, scope: ast.AST | None = None) -> list[ast.Assign]:
    """The assignments to ``path`` (``opt``, ``self.opt``) in source order: in the file, or in
    ``scope`` where it has some (a file of n training functions has n optimizers named ``opt``).
    Indexed once per file, where a scan per optimizer step would make the rule quadratic."""
    if path is None:
        return []
    if ctx not in _ASSIGNMENTS:
        by_path: dict[tuple[str, int], list[ast.Assign]] = {}
        for assign in ctx.index.of(ast.Assign):
            paths = {attr_path(target) for target in assign.targets} - {None}
            for target_path in sorted(p for p in paths if p is not None):
                by_path.setdefault((target_path, _ANY_SCOPE), []).append(assign)
                by_path.setdefault((target_path, id(ctx.names.scope_of(assign).node)), []).append(assign)
        _ASSIGNMENTS[ctx] = by_path
    found = _ASSIGNMENTS[ctx]
    return (scope is not None and found.get((path, id(scope)))) or found.get((path, _ANY_SCOPE), [])


_FUNCTIONS_BY_NAME: weakref.WeakKeyDictionary[FileContext, dict[str, list[ast.FunctionDef]]] = (
    weakref.WeakKeyDictionary()
)


def _functions_named(ctx: FileContext, name: str) -> list[ast.FunctionDef]:
    """The file's functions called ``name``, in source order (indexed once per file)."""
    if ctx not in _FUNCTIONS_BY_NAME:
        by_name: dict[str, list[ast.FunctionDef]] = {}
        for function in ctx.index.of(ast.FunctionDef):
            by_name.setdefault(function.name, []).append(function)
        _FUNCTIONS_BY_NAME[ctx] = by_name
    return _FUNCTIONS_BY_NAME[ctx].get(name, [])
