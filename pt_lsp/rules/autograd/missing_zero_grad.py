"""PTL204: a training loop that steps an optimizer but never resets the gradients."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Pos
from pt_lsp.core.edits import alone_on_lines, body_insertion, indentation, newline_of, statement_of
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import attr_path, own_nodes
from pt_lsp.rules.autograd._forward_resets import model_call_resets
from pt_lsp.rules.autograd._grad_resets import FUNCTIONS, first_backward, module_reset, outer_resets, resets_or_unknown
from pt_lsp.rules.autograd._manual_steps import manual_updates, reset_after
from pt_lsp.rules.autograd._stepped_optimizers import (
    assignments_to,
    iterated_optimizers,
    optimizer_evidence,
    optimizer_factory,
    optimizer_path,
    optimizer_subclass,
    stepped_optimizer,
)

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class MissingZeroGrad(Rule):
    """
    ## What it does
    Flags `optimizer.step()` in a loop that also calls `backward()` but never resets the
    gradients: no `optimizer.zero_grad()` or `model.zero_grad()`, no `p.grad = None` or
    `p.grad.zero_()`, anywhere in the loop or in a function of this file the loop calls, nor a
    call of a model whose class's `forward` (in this file or a project file it imports) resets
    its own gradients first thing (`self.zero_grad()`, or `p.grad = None` for each of
    `self.parameters()`); also a training-step function (backward
    and step, no reset) that this file calls in such a loop (a comprehension counts:
    `[self.train_step(b) for b in batches]`); and a method that resets other optimizers'
    gradients before their steps, so runs once per update, and steps an optimizer the instance
    keeps (`self.q2_optimizer`) that nothing in the file resets (a TD3 `update()` that an agent
    in another file calls). A reset only in a loop around the one that steps after each backward
    does not count (`zero_grad()` once per epoch, `step()` once per batch), unless that inner loop
    passes once or runs over the optimizers. A closure given to `step(closure)` that backwards
    must reset the gradients itself for LBFGS, which evaluates it several times per step; for
    another optimizer a reset in the loop around the step counts too.
    The optimizer must be known: made by a `torch.optim` class (or by a class of the file derived
    from one that keeps its `step`, or by a function of this file or of another project file
    every return of which builds one: `optimizer = build_optimizer(model, args)`), a class of
    another library built on a model's `parameters()` and imported from a module named for
    optimizers or named as a usual algorithm (`aihwkit.optim.AnalogSGD`, `torch_optimizer.RAdam`;
    a warning, as for the evidence below), a parameter
    of the training function that every call of it in the file passes one for, named so
    (`optimizer`, `optim_g`), the loop variable over a list or dict of `torch.optim` optimizers
    (`for opt in optimizers.values()`), or an item of one by key or index (`opts["g"].step()`,
    `optimizers[i].step()`; another key's `zero_grad()` resets another optimizer). A reset of
    another optimizer, over another module's parameters, does not count for this one (a GAN
    loop that resets `optim_d` only), nor does a module's own `zero_grad()` for an optimizer
    over another module that this file builds (`self.generator.zero_grad()` before
    `self.optimizerD.step()`), nor a reset in the other arm of an `if` than the step, where the
    condition cannot change while the function runs (`if use_bf16: ... step() else:
    zero_grad() ...`).
    Also gradient descent written by hand: `w -= lr * w.grad` (`w.data -= lr * w.grad.data`,
    `w.sub_(lr * w.grad)`, `p.data -= lr * p.grad` for each of `model.parameters()`) in a loop
    that calls `backward()`, where nothing in the loop (nor a function of the file it calls)
    resets a gradient, `w` is not bound to a new tensor, and `w` is not handed to a function of
    another module, which may reset it.

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
    meant, the reset belongs after the step instead. For gradient descent by hand, the fix sets
    `w.grad = None` after the update (unsafe for the same reason).

    ## References
    - [torch.optim.Optimizer.zero_grad](https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.zero_grad.html)
    - [PyTorch tutorial: optimizing model parameters](https://pytorch.org/tutorials/beginner/basics/optimization_tutorial.html)
    """

    code = "PTL204"
    name = "missing-zero-grad"
    summary = "a loop calls `backward()` and `optimizer.step()` but never resets the gradients"
    severity = Severity.ERROR

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        text = ctx.doc.text
        if "backward(" not in text:
            return
        yield from self.manual_steps(ctx)
        if ".step(" not in text:
            return
        for call in ctx.index.of(ast.Call):
            optimizer = stepped_optimizer(call)
            if optimizer is None:
                yield from self.closure_step(ctx, call)
                continue
            evidence = optimizer_evidence(ctx, optimizer)
            if evidence is None:
                continue
            severity = Severity.ERROR if evidence == "torch.optim" else Severity.WARNING
            name = optimizer_path(optimizer)
            if name is None:
                continue  # (never: stepped_optimizer returns attribute paths and items only)
            loops = self.training_loop(ctx, call)
            if loops is None:
                yield from self.step_function(ctx, call, optimizer, name, severity)
                continue
            loop, outermost = loops
            others: list[ast.Call] = []
            if resets_or_unknown(ctx, outermost, optimizer, others=others, step=call):
                yield from self.reset_outside(ctx, call, optimizer, name, loop, outermost, severity)
                continue
            if model_call_resets(ctx, outermost, optimizer, step=call):
                continue  # the model's forward resets its own gradients (asked last: it needs the flow)
            backward = first_backward(loop)
            if others:  # another optimizer is reset: zero this one before its own backward
                backward = self.last_backward_before(ctx, loop, call) or backward
                stepped = self.stepped_in(ctx, loop)
                unreset = [n for n in stepped if not resets_or_unknown(ctx, outermost, _path(n))]
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
            steps = self.evidence(ctx, optimizer, others, backward, self.repeated(loop))
            yield self.report(
                ctx,
                call,
                message,
                fixes=self.fixes(ctx, backward, unreset or [name]),
                related=evidence_path(ctx, steps),
                severity=severity,
            )

    def manual_steps(self, ctx: FileContext) -> Iterator[Finding]:
        """Gradient descent by hand (``w -= lr * w.grad``) in a loop that never resets ``w.grad``."""
        for update in manual_updates(ctx):
            grad = f"{update.path}.grad"
            message = (
                f"`{update.path}` is updated from `{grad}` in a loop that never resets it: every `backward()` adds"
                f" to the gradients of all earlier iterations; set `{grad} = None` after the update"
            )
            loop = update.loop
            header = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.test
            steps = [
                Step(header, "each iteration of this loop runs backward() and the update again"),
                Step(update.backward, f"adds this iteration's gradient to `{grad}`"),
            ]
            yield self.report(
                ctx,
                update.stmt,
                message,
                fixes=reset_after(ctx, update.stmt, grad),
                related=evidence_path(ctx, steps),
            )

    def closure_step(self, ctx: FileContext, step: ast.Call) -> Iterator[Finding]:
        """``opt.step(closure)`` where the closure, a function of the same scope, backwards and never
        resets: LBFGS evaluates it up to ``max_iter`` times per step, so a reset outside it (the loop's)
        does not help; another optimizer calls it once, like a loop body without a reset."""
        func, closure_name = step.func, _closure_argument(step)
        if not (isinstance(func, ast.Attribute) and func.attr == "step") or closure_name is None:
            return
        optimizer, name = func.value, attr_path(func.value)
        evidence = optimizer_evidence(ctx, optimizer) if name is not None else None
        closure = _local_function(ctx, step, closure_name) if evidence is not None else None
        if closure is None or name is None:
            return
        backward = first_backward(closure)
        if backward is None or resets_or_unknown(ctx, closure, optimizer):
            return
        severity = Severity.ERROR if evidence == "torch.optim" else Severity.WARNING
        made = [a.value for a in assignments_to(ctx, name) if isinstance(a.value, ast.Call)]
        once = any(
            k.arg == "max_iter" and isinstance(k.value, ast.Constant) and k.value.value == 1
            for m in made
            for k in m.keywords
        )
        if {ctx.qualname(m.func) for m in made} == {"torch.optim.LBFGS"} and not once:
            message = (
                f"`{name}` (LBFGS) evaluates `{closure_name}()` several times per step, and it never resets the"
                f" gradients: each evaluation's `backward()` adds to the earlier ones; call `{name}.zero_grad()`"
                f" first in `{closure_name}()`"
            )
            steps = [*self.created(ctx, optimizer), Step(backward, "each evaluation adds to the gradients here")]
        else:
            loop = self.outermost_loop(ctx, step)
            if loop is None or resets_or_unknown(ctx, loop, optimizer, step=step):
                return
            if model_call_resets(ctx, loop, optimizer, step=step):
                return
            message = (
                f"`{name}` steps in a loop whose closure `{closure_name}()` never resets the gradients: every"
                f" `backward()` adds to the gradients of all earlier iterations; call `{name}.zero_grad()` first in"
                f" `{closure_name}()`"
            )
            steps = [*self.created(ctx, optimizer), *self.repeated(loop)]
            steps.append(Step(backward, "each call adds to the gradients the step uses"))
        edit = body_insertion(ctx, _after_docstring(closure.body), [f"{name}.zero_grad()"])
        fixes = [Fix(f"Call `{name}.zero_grad()` first in the closure", (edit,), Applicability.UNSAFE)] if edit else []
        yield self.report(ctx, step, message, fixes=fixes, related=evidence_path(ctx, steps), severity=severity)

    def reset_outside(
        self,
        ctx: FileContext,
        step: ast.Call,
        optimizer: ast.expr,
        name: str,
        loop: ast.AST,
        outermost: ast.AST,
        severity: Severity,
    ) -> Iterator[Finding]:
        """The loop that repeats backward() and the step never resets, but a loop around it does
        (``zero_grad()`` once per epoch before the batch loop, audit-12 M1): from the second batch
        on, each step uses the sum of the gradients of the epoch's earlier batches. Not a loop
        that passes once (a top-level ``break``), nor one over optimizers (``for opt in opts``:
        each is stepped once per pass of the loop around it)."""
        if loop is outermost or _one_pass(loop) or _binds(loop, name.split(".")[0]):
            return
        inner: list[ast.Call] = []
        if resets_or_unknown(ctx, loop, optimizer, others=inner, step=step):
            return
        if model_call_resets(ctx, loop, optimizer, step=step):
            return
        resets = outer_resets(ctx, outermost, loop, optimizer, step)
        if not resets:
            return  # the loop around it only hands the optimizer to code not in view
        backward = first_backward(loop)
        lines = [str(getattr(reset, "lineno", "?")) for reset in resets]
        where = ("line " if len(lines) == 1 else "lines ") + ", ".join(lines)
        message = (
            f"`{name}` steps in this loop, but its gradients are reset only in the loop around it ({where}):"
            f" from the second step on, each step uses the gradients of all earlier iterations too;"
            f" reset them in this loop (`{name}.zero_grad()`)"
        )
        stepping = statement_of(ctx, step)
        backwarding = statement_of(ctx, backward) if backward is not None else None
        # a step under its own `if` (accumulation): the reset belongs after it, not before the backward
        same_block = (
            stepping is not None and backwarding is not None and ctx.parent(stepping) is ctx.parent(backwarding)
        )
        steps = [*self.created(ctx, optimizer)]
        steps += [Step(reset, "reset here, outside the loop that steps") for reset in resets]
        steps += self.repeated(loop)
        if backward is not None:
            steps.append(Step(backward, "each call adds to the gradients the step uses"))
        yield self.report(
            ctx,
            step,
            message,
            fixes=self.fixes(ctx, backward, [name]) if same_block else [],
            related=evidence_path(ctx, steps),
            severity=severity,
        )

    def step_function(
        self, ctx: FileContext, step: ast.Call, optimizer: ast.expr, name: str, severity: Severity
    ) -> Iterator[Finding]:
        """A training-step function (backward and step, no reset, no loop) that this file calls
        in a loop that does not reset the gradients either."""
        function = ctx.parent(step)
        while function is not None and not isinstance(function, FUNCTIONS):
            if isinstance(function, _LOOPS):
                return
            function = ctx.parent(function)
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        backward = first_backward(function)
        others: list[ast.Call] = []
        if backward is None or resets_or_unknown(ctx, function, optimizer, others=others, step=step):
            return
        single = sum(f.name == function.name for f in ctx.index.of(ast.FunctionDef)) == 1
        if not (single or others) or model_call_resets(ctx, function, optimizer, step=step):
            return  # (the model-call check needs the flow: asked last)
        if single:
            found = list(self.called_in_loops(ctx, step, function, optimizer, name, backward, others, severity))
            yield from found
            if found:
                return
        yield from self.resets_others_only(ctx, step, function, optimizer, name, others, severity)

    def called_in_loops(
        self,
        ctx: FileContext,
        step: ast.Call,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        optimizer: ast.expr,
        name: str,
        backward: ast.Call,
        others: list[ast.Call],
        severity: Severity,
    ) -> Iterator[Finding]:
        """The step function called in a loop of this file that does not reset the gradients."""
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
            passed = self.argument_for(function, caller, optimizer)
            if loop is None or resets_or_unknown(ctx, loop, passed, step=step) or model_call_resets(ctx, loop, passed):
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

    def resets_others_only(
        self,
        ctx: FileContext,
        step: ast.Call,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        optimizer: ast.expr,
        name: str,
        others: list[ast.Call],
        severity: Severity,
    ) -> Iterator[Finding]:
        """A method that resets other optimizers' gradients before their steps, so is meant to run
        once per update (``TD3.update``, called by an agent in another file), and steps an optimizer
        the instance keeps (``self.q2_opt``) that nothing in the file ever resets: from its second
        call on, that step uses the sum of the gradients of all calls (audit-11 M2)."""
        params = [*function.args.posonlyargs, *function.args.args]
        own = params[0].arg if params else None
        if not others or own is None or not name.startswith(own + ".") or name.count(".") != 1:
            return
        if not isinstance(ctx.parent(function), ast.ClassDef):
            return
        if resets_or_unknown(ctx, ctx.tree, optimizer, fresh=False):
            return  # reset (or handed to code that may reset it) somewhere else in the file
        backward = self.last_backward_before(ctx, function, step) or first_backward(function)
        message = (
            f"`{name}` steps in `{function.name}()`, which resets {self.whose(ctx, others)} gradients but never"
            f" these: from the second call on, each `backward()` adds to the gradients of all earlier calls;"
            f" call `{name}.zero_grad()` before the backward"
        )
        steps = self.evidence(ctx, optimizer, others, backward)
        yield self.report(
            ctx,
            step,
            message,
            fixes=self.fixes(ctx, backward, [name]),
            related=evidence_path(ctx, steps),
            severity=severity,
        )

    # -- evidence path ------------------------------------------------------------------------------
    def evidence(
        self,
        ctx: FileContext,
        optimizer: ast.expr,
        others: list[ast.Call],
        backward: ast.AST | None,
        repeated: list[Step] | None = None,
    ) -> list[Step]:
        """Where the optimizer is made, what repeats the step, the other optimizers' resets and
        the backward whose gradients the step adds up."""
        steps = [*self.created(ctx, optimizer), *(repeated or [])]
        steps += [Step(other, self.other_reset(ctx, other)) for other in others]
        if backward is not None:
            steps.append(Step(backward, "each call adds to the gradients the step uses"))
        return steps

    @staticmethod
    def created(ctx: FileContext, optimizer: ast.expr) -> list[Step]:
        """Where the optimizer is made (by a `torch.optim` class)."""
        path = attr_path(optimizer)
        made = [
            assign.value
            for assign in assignments_to(ctx, path, ctx.names.scope_of(optimizer).node)
            if isinstance(assign.value, ast.Call)
            and (
                (ctx.qualname(assign.value.func) or "").startswith("torch.optim.")
                or optimizer_subclass(ctx, assign.value.func)
                or optimizer_factory(ctx, assign.value.func)
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

    def other_reset(self, ctx: FileContext, reset: ast.Call) -> str:
        """What the reset ``reset`` (of another optimizer or module) clears, for the evidence path."""
        module = module_reset(ctx, reset)
        if module is not None:
            return f"this resets `{module}`'s own gradients, another module's, not these"
        return "this resets another optimizer's gradients, not these"

    def whose(self, ctx: FileContext, others: list[ast.Call]) -> str:
        modules = sum(module_reset(ctx, other) is not None for other in others)
        if modules == 0:
            return "other optimizers'"
        return "other modules'" if modules == len(others) else "other optimizers' and modules'"

    @staticmethod
    def outermost_loop(ctx: FileContext, node: ast.AST) -> ast.AST | None:
        """The outermost loop around ``node`` in its function: a comprehension calls it once per
        element too (``[self.train_step(b) for b in batches]``)."""
        found: ast.AST | None = None
        current = ctx.parent(node)
        while current is not None and not isinstance(current, FUNCTIONS):
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

    # -- the loop ----------------------------------------------------------------------------------
    def training_loop(self, ctx: FileContext, step: ast.Call) -> tuple[ast.AST, ast.AST] | None:
        """The innermost loop around the step that also holds a backward(), and the outermost
        loop around that one (in the same function)."""
        loops: list[ast.AST] = []
        current = ctx.parent(step)
        while current is not None and not isinstance(current, FUNCTIONS):
            if isinstance(current, _LOOPS):
                loops.append(current)
            current = ctx.parent(current)
        for loop in loops:
            if first_backward(loop) is not None:
                return loop, loops[-1]
        return None

    # -- the fix -----------------------------------------------------------------------------------
    def stepped_in(self, ctx: FileContext, loop: ast.AST) -> list[str]:
        """Every optimizer the loop steps, in order: one fix resets them all (the findings of one
        loop then carry the same edit)."""
        names: list[str] = []
        for node in sorted(
            (n for n in own_nodes(loop) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset)
        ):
            optimizer = stepped_optimizer(node)
            if optimizer is None:
                continue
            name = optimizer_path(optimizer)
            if name and name not in names and optimizer_evidence(ctx, optimizer):
                names.append(name)
        return names

    def fixes(self, ctx: FileContext, backward: ast.Call | None, names: list[str]) -> list[Fix]:
        stmt = statement_of(ctx, backward) if backward is not None else None
        if stmt is None or not names or not alone_on_lines(ctx, [stmt]):
            return []
        if any("." not in name and not assignments_to(ctx, name) and iterated_optimizers(ctx, name) for name in names):
            return []  # a loop variable over optimizers: it is not bound before the backward
        text = "".join(f"{indentation(ctx, stmt)}{name}.zero_grad(){newline_of(ctx)}" for name in names)
        calls = ", ".join(f"`{name}.zero_grad()`" for name in names)
        return [
            Fix(f"Call {calls} before `backward()`", (Edit.insert(Pos(stmt.lineno, 0), text),), Applicability.UNSAFE)
        ]


def _closure_argument(step: ast.Call) -> str | None:
    """The name of the closure a ``step()`` is given: ``step(closure)`` or ``step(closure=f)``."""
    passed = step.args[0] if len(step.args) == 1 and not step.keywords else None
    if passed is None and not step.args and len(step.keywords) == 1 and step.keywords[0].arg == "closure":
        passed = step.keywords[0].value
    return passed.id if isinstance(passed, ast.Name) else None


def _local_function(ctx: FileContext, call: ast.Call, name: str) -> ast.FunctionDef | None:
    """The one function named ``name`` defined in the scope of ``call`` (the closure)."""
    scope = ctx.names.scope_of(call).node
    found = [n for n in own_nodes(scope) if isinstance(n, ast.FunctionDef) and n.name == name]
    return found[0] if len(found) == 1 else None


def _after_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0]
    docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    return body[1:] if docstring and len(body) > 1 else body


def _one_pass(loop: ast.AST) -> bool:
    """A loop whose body ends its first pass: a ``break``/``return`` among its top-level statements
    (or those of a ``try``/``with`` there: the retry loop), or ``for _ in range(1)``."""
    body: list[ast.stmt] = list(getattr(loop, "body", []))
    for stmt in list(body):
        if isinstance(stmt, (ast.Try, ast.With, ast.AsyncWith)):
            body.extend(stmt.body)
    if any(isinstance(stmt, (ast.Break, ast.Return)) for stmt in body):
        return True
    iterated = getattr(loop, "iter", None)
    return (
        isinstance(iterated, ast.Call)
        and isinstance(iterated.func, ast.Name)
        and iterated.func.id == "range"
        and len(iterated.args) == 1
        and isinstance(iterated.args[0], ast.Constant)
        and iterated.args[0].value == 1
    )


def _binds(loop: ast.AST, name: str) -> bool:
    """The loop's target binds ``name`` (``for opt in optimizers``, ``for m, opt in pairs``)."""
    target = getattr(loop, "target", None)
    return target is not None and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target))


def _path(path: str) -> ast.expr:
    """An expression for the attribute path ``path`` (``optim_g``, ``self.opt``)."""
    return ast.parse(path, mode="eval").body
