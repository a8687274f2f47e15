"""PTL302: a plain tensor attribute of an `nn.Module` that `forward` uses."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import alone_on_lines, source_of
from pt_lsp.core.evidence.reaching import instantiation_arguments
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Related, Severity
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._base_tensors import MOVE_OVERRIDES, set_by_bases
from pt_lsp.rules.modules._class_constants import class_body_tensors
from pt_lsp.rules.modules._device_moves import moved_at_use, placement_free, unmoved_uses
from pt_lsp.rules.modules._dimensions import is_none
from pt_lsp.rules.modules._distributions import kept_distributions
from pt_lsp.rules.modules._init_helpers import construction_helpers
from pt_lsp.rules.modules._module_evidence import (
    Function,
    assignment_path,
    init_assignments,
    is_self_attr,
    methods_reached_from,
    passed_function,
    self_attribute_uses,
    super_init_line,
)
from pt_lsp.rules.modules._rebound_attributes import (
    branch_assignments,
    method_of_itself,
    moved_when_given,
    self_reads,
    set_elsewhere,
)
from pt_lsp.rules.modules._runners import runners_of
from pt_lsp.rules.modules._stale_caches import stale_caches
from pt_lsp.rules.modules._tensor_containers import container_uses, moved_in_loop, tensor_containers
from pt_lsp.rules.modules._tensor_makers import (
    checkpoint_call,
    cuda_call,
    default_device_call,
    drawn_at_random,
    file_helper,
    made_on_gpu,
    plain_or_returned,
    tensor_values,
)
from pt_lsp.rules.modules._trained_apart import made_trainable, trained_apart


class UnregisteredBuffer(Rule):
    """
    ## What it does
    Flags, in an `nn.Module` subclass, a tensor made by a torch factory and assigned to a plain
    attribute in `__init__` (`self.mask = torch.tril(torch.ones(8, 8))`, `self.mean =
    torch.tensor([0.485, 0.456, 0.406])`, also `torch.from_numpy(table)`, the legacy
    `torch.Tensor(n)`, `torch.tensor(data)` of a list (a parameter every instantiation in the
    file passes a list for, or replaces a `None` default with one, `list(...)`, `[1.0] * n`, a
    sized NumPy array, an item of a dict display: `cfg["anchors"]`) and a conversion given
    dimensions (`torch.tensor(mean).view(-1, 1, 1)`, `torch.tensor(mean)[None, :, None, None]`,
    unless some instantiation in the file gives the data as a placed tensor, or hands it in
    through a parameter of a function no code of the file names: `torch.tensor(t)` copies `t` on
    its device)) that `forward` uses, or a method it calls, or a method that runs the module or
    one of its layers (`self(x)`, `self.forward(x)`, `self.fc(x)`, as a policy's `sample(state)` does),
    where it is neither an `nn.Parameter` nor registered with `register_buffer`. A local tensor
    assigned to the attribute (`pe = torch.zeros(...)`, `self.pe = pe`) counts too, as does a
    helper function of the file (or of another file of the project: `from .tables import
    sinusoid_table`) or a method of the class every return of which is such a tensor
    (`self.b = sample_b(sigma, size)`, also arithmetic of one: `return (-d * s).unsqueeze(0)`,
    or `torch.cat(cols)` of a local list filled only by `cols.append(<such a tensor>)`, the
    legacy `Variable(t)` of one, its methods computing with plain tensors or numbers:
    `w1.mm(w1.t())`, torch functions of them: `torch.outer(k, k)`, and comparisons of them:
    `(torch.arange(h)[:, None] >= torch.arange(d)[None, :]).float()`; a static method called
    through its class counts as a helper: `PositionalEncoding.make(d, n)`),
    a callable parameter of `__init__` that every instantiation in the file leaves at, or passes
    as, a torch factory (`self.window = window_fn(n)` with `window_fn=torch.hann_window`), a
    factory chosen by name (`getattr(torch, window)(n)` where every string the file gives
    `window`, also through an enclosing module's constructor, names one), an attribute moved only
    under `if device is not None:` where every instantiation in the file leaves `device` at
    `None`, and so does an attribute rebuilt from itself in
    `__init__` (`self.t = self.one_hot(n)`, then `self.t = self.t.permute(2, 0, 1)`, where the
    method returns a plain tensor); that finding has no fix (`register_buffer` refuses a name
    that is already an attribute). An attribute bound in exclusive branches of `__init__`, each
    to such a tensor or `None` (a focal loss's `alpha` from a number, a list or nothing), counts
    as well, with one fix that registers it in every branch. So does a `torch.distributions`
    object made there from numbers or such tensors (`self.N = torch.distributions.Normal(0, 1)`)
    whose methods what `forward` reaches calls (`self.N.sample(mu.shape)`): a distribution is no
    module, and `model.to(device)` leaves its parameters on the CPU (no fix). A method that only
    `__init__` calls, as a statement of its own (`self._init_tmp_variables()`, also
    `self.build(n)`), sets attributes at construction as `__init__` does, and
    so does the `__init__` of a module base without a `forward` for a subclass's `forward` (a
    base of another file of the project too, `class Tagger(SequenceModel)` with `SequenceModel`
    imported from `base.py`: reported at the use, with no fix, the assignment being there). A
    list or dict attribute that `__init__` binds once to plain tensors (a display, or an empty
    container it fills there, also with registered buffers read back by `getattr(self, name)`)
    and that no other method changes is reported where `forward` reads it, with no fix. A
    constructor argument counts where every instantiation passes a plain tensor or arithmetic of
    plain tensors (`freq / freq.sum()`), also through a parameter of the enclosing module's
    `__init__` that every instantiation gives a plain tensor. A plain tensor made trainable
    (`self.s.requires_grad_()`) that no optimizer of its own trains is reported with the advice
    to make it an `nn.Parameter`, with no fix (a buffer would never train). A `self.E = None`
    placeholder in `__init__`'s own body before the tensor is assigned does not count as a second
    binding; `requires_grad=False` makes a plain tensor as the factory does anyway. A tuple
    assignment (`self.mean, self.std = a, b`) binds each attribute (reported with no fix).
    A view of a constructor argument (`self.mins = bounds[0:1]`)
    counts where every instantiation in the file passes a plain tensor, or leaves a `None`
    default that `__init__` replaces by one. Tensors with `requires_grad=True` are PTL301;
    0-dimensional tensors, tensors created with an explicit `device=` or placed where they are
    made (`torch.ones(3).to(device)`, also `torch.ones_like(t)` of such a tensor `t`; but
    `device=x_example.device` of a constructor argument every instantiation in the file gives
    on the CPU is the CPU),
    attributes reassigned outside `__init__` (caches, recurrent state; except a cache `forward`
    builds once, `if self.mask is None: self.mask = <tensor>` after `self.mask = None` in
    `__init__`, or in a method `forward` calls that returns at once while it is set (`if
    self.cell_anchors is not None: return`, torchvision#1312; also a list of tensors, then with no
    fix), where one block of the file runs the model, moves it and runs it again: the
    second run meets the cache on the first run's device; the fix registers the placeholder as a
    non-persistent buffer) and uses that move the
    tensor themselves (`self.mask.to(x.device)`, also after slices, indexes by Python integers
    and shape ops: `self.pe[:n].unsqueeze(0).to(x.device)`, `self.primes[i].to(x.device)` in `for
    i in range(3)`; not after an index by a tensor, which fails on the GPU: "indices should be
    either on cpu or on the same device as the indexed tensor"), or a method returns it and
    each of its calls in the class moves the result: `self._left(n).to(q.device)`), only read its metadata
    (`self.pe.size(-1)`, `.shape`) or only hand it to a function of another library (which may
    place it) are not reported, except a table drawn at random (`torch.randn(L, d)`, also with
    `.normal_()`) in a file that saves or loads a state dict and seeds nothing: the checkpoint
    lacks it, so a model rebuilt and loaded from it computes with another draw (reported with that
    message; the fix is the persistent buffer only). Objects of torch classes other than the
    tensor types (`torch.distributions.Normal(...)`, an optimizer) are not tensors
    (`register_buffer` refuses them). Nor is a tensor made trainable (`self.s.requires_grad_()`)
    and trained by an optimizer of its own (`Adam([self.s])`, as PTL301 says).

    A module-level tensor the module binds once (`MEAN = torch.tensor(...)`, then `self.mean =
    MEAN.view(1, 3, 1, 1)`) counts as one made in `__init__`, and so does a tensor bound in the
    class body (`grid = torch.linspace(0, 1, 8)`) that what `forward` reaches reads as
    `self.grid` and no method assigns or registers (reported with no fix: the buffer is
    registered in `__init__`). A tensor made with `.cuda()`, or in a file that calls
    `torch.set_default_device("cuda")`, is reported with what still breaks: `model.cpu()`,
    `model.to(...)` and `DataParallel` replicas leave it on that device.

    ## Why is this bad?
    `nn.Module` moves, casts and saves only its parameters and buffers. A plain tensor
    attribute stays on the CPU after `model.to("cuda")`, so `forward` fails on the GPU with
    "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and
    cpu!"; it is not converted by `model.half()`, and it is missing from `state_dict()`, so a
    checkpoint does not contain it.

    ## Example
    ```python
    class Normalize(nn.Module):
        def __init__(self):
            super().__init__()
            self.mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)

        def forward(self, x):
            return x - self.mean
    ```

    ## Use instead
    ```python
    self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1))
    ```
    or `self.register_buffer("mean", ..., persistent=False)` to keep it out of `state_dict()`.

    ## Fix safety
    Both fixes are unsafe: a persistent buffer adds a key to `state_dict()`, so loading an
    older checkpoint with `strict=True` fails on the missing key; either kind of buffer now
    follows `model.half()` / `model.double()` casts as well as device moves.

    ## References
    - [torch.nn.Module.register_buffer](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.register_buffer)
    - [PyTorch forums: tensors in a module not moved by .cuda()](https://discuss.pytorch.org/t/why-model-to-device-wouldnt-put-tensors-on-a-custom-layer-to-the-same-device/17964)
    """

    code = "PTL302"
    name = "unregistered-buffer"
    summary = "a plain tensor attribute of an `nn.Module` used in `forward` (not a buffer)"
    severity = Severity.WARNING
    per_unit = True  # the server may reuse its findings per function (core/incremental/)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if "torch" not in ctx.doc.text or "forward" not in ctx.doc.text:
            return
        for info in ctx.class_list:
            init = info.methods.get("__init__")
            forward = info.method("forward")
            if not info.is_module or init is None or forward is None:
                continue
            if any(info.method(name) is not None for name in MOVE_OVERRIDES):
                continue
            reached = methods_reached_from(info, forward)
            runners = runners_of(ctx, info, init, forward)  # `sample()` calls `self.forward(state)`
            for runner in [m for m in info.methods.values() if id(m) in runners]:
                for method in methods_reached_from(info, runner):
                    if all(method is not r for r in reached):
                        reached.append(method)  # a message names it with its runner, not `forward`
                        runners.setdefault(id(method), f"`{runner.name}` calls, which {runners[id(runner)]}")
            super_line = super_init_line(init)
            excluded = {id(m) for m in reached} | runners.keys()
            sources: list[tuple[Function, int | None]] = [(init, super_line)]
            for helper, line in construction_helpers(info, init, excluded):
                # a fix in the helper is right only where `__init__` calls it after `super().__init__()`
                sources.append((helper, 0 if super_line is not None and line > super_line else None))
            for source, fix_after in sources:
                yield from self.assigned_in(ctx, info, init, source, forward, reached, runners, fix_after)
            yield from self.rebuilt_in_init(ctx, info, init, forward, reached)
            yield from self.placed_only_when_given(ctx, info, init, reached, super_line)
            yield from self.chosen_in_branches(ctx, info, init, reached, super_line)
            for attr, stmt, calls in kept_distributions(ctx, info, init, reached):
                yield self.distribution(ctx, attr, stmt, calls)
            yield from self.stale_after_move(ctx, info, init, forward, super_line)
        yield from set_by_bases(self, ctx)
        yield from self.class_constants(ctx)

    def class_constants(self, ctx: FileContext) -> Iterator[Finding]:
        """Tensors of a module's class body that what ``forward`` reaches reads as ``self.<name>``;
        no fix (a buffer is registered in ``__init__``, on each instance)."""
        for info in ctx.class_list:
            forward = info.method("forward")
            if not info.is_module or forward is None or any(info.method(n) is not None for n in MOVE_OVERRIDES):
                continue
            reached = methods_reached_from(info, forward)
            for name, stmt in class_body_tensors(ctx, info):
                uses = unmoved_uses(ctx, reached, name)
                if not uses:
                    continue
                message = (
                    f"`{name}` is a tensor in the body of `{info.name}`, read as `self.{name}` in `forward`: one"
                    f" CPU tensor every instance shares, which `model.to(device)` does not move and `state_dict()`"
                    f" does not save; register it as a buffer in `__init__`"
                )
                related = self.path(ctx, forward, stmt, name, [], uses, {}, f"the body of `{info.name}`")
                yield self.report(ctx, stmt, message, related=related)

    def assigned_in(
        self,
        ctx: FileContext,
        info: ClassInfo,
        init: Function,
        source: Function,
        forward: Function,
        reached: list[Function],
        runners: dict[int, str],
        super_line: int | None,
    ) -> Iterator[Finding]:
        """The plain tensors ``source`` (``__init__``, or a method only ``__init__`` calls) stores
        in attributes that ``forward`` (or what it reaches or runs) uses."""
        for attr, stmt in init_assignments(info, source).items():
            made = tensor_values(ctx, source, stmt.value)
            if made is None:
                if tensor_containers(ctx, info, source, attr, stmt):
                    yield from self.container(ctx, stmt, attr, reached)
                continue
            uses = [(m, u) for m in reached for u in self_attribute_uses(m, attr)]
            if not uses:
                continue
            where_set = "`__init__`" if source is init else f"`{source.name}` (called from `__init__`)"
            if all(moved_at_use(ctx, use) for _, use in uses):
                # moved where it is used: only a table drawn at random still loses something (M3)
                draw = drawn_at_random(ctx, [stmt.value, *(a.value for a in made)])
                saved = checkpoint_call(ctx) if draw is not None else None
                if draw is not None and saved is not None and not made_trainable(info, attr):
                    yield self.unsaved_draw(ctx, stmt, attr, draw, saved, uses, super_line, where_set)
                continue
            trainable = made_trainable(info, attr)
            if trainable and trained_apart(ctx, info, attr) is not None:
                continue  # trained by an optimizer of its own: not a buffer (audit-8)
            where = "`forward`"
            if all(id(m) in runners for m, _ in uses):
                where = f"`{uses[0][0].name}` (which {runners[id(uses[0][0])]})"
            message = (
                f"`self.{attr}` is a plain tensor attribute used in {where}: `model.to(device)` does not"
                f" move it and `state_dict()` does not save it; register it as a buffer"
            )
            gpu = made_on_gpu(ctx, source, stmt.value) or default_device_call(ctx)
            if gpu is not None:  # right while the model stays on that device: say what still breaks
                how = (
                    "on the GPU with `.cuda()`"
                    if cuda_call(gpu)
                    else f"on the default device (`{source_of(ctx, gpu)}`)"
                )
                message = (
                    f"`self.{attr}` is a plain tensor attribute made {how} and used in {where}: `model.cpu()`,"
                    f" `model.to(...)` and `DataParallel` replicas leave it there and `state_dict()` does not save"
                    f" it; register it as a buffer"
                )
            fixes = self.fixes(ctx, stmt, attr, super_line)
            if trainable:  # `self.s.requires_grad_()` and no optimizer of its own: a parameter, not a buffer
                message = (
                    f"`self.{attr}` is made trainable (`requires_grad_()`) but is a plain tensor attribute used"
                    f" in {where}: `model.parameters()` does not list it, so an optimizer built from them never"
                    f" updates it, `model.to(device)` does not move it and `state_dict()` does not save it;"
                    f" make it an `nn.Parameter`"
                )
                fixes = []
            related = self.path(ctx, forward, stmt, attr, made, uses, runners, where_set, gpu)
            yield self.report(ctx, stmt, message, fixes=fixes, related=related)

    def unsaved_draw(
        self,
        ctx: FileContext,
        stmt: ast.Assign,
        attr: str,
        draw: ast.Call,
        saved: ast.Call,
        uses: list[tuple[Function, ast.Attribute]],
        super_line: int | None,
        where_set: str,
    ) -> Finding:
        """A table drawn at random, kept as a plain attribute and moved where it is used: the
        device is right, but ``state_dict()`` does not save it, so a model rebuilt and loaded from a
        checkpoint computes with a new draw (audit-10 M3, the Music Transformer's relative table).
        Reported where the file saves or loads a state dict, and seeds nothing."""
        message = (
            f"`self.{attr}` is drawn at random in {where_set} and kept as a plain tensor attribute:"
            f" `state_dict()` does not save it, so a model rebuilt and loaded from a checkpoint computes"
            f" with another draw; register it as a buffer"
        )
        steps = [Step(draw, "drawn here from torch's global generator (the file seeds nothing)")]
        steps += [Step(use, "used here: the values come from this construction's draw") for _, use in uses[:2]]
        loaded = isinstance(saved.func, ast.Attribute) and saved.func.attr == "load_state_dict"
        steps.append(Step(saved, f"a state dict is {'loaded' if loaded else 'taken'} here: without `self.{attr}`"))
        where = f"assigned to a plain attribute `self.{attr}` in {where_set}: not in `state_dict()`"
        fixes = self.fixes(ctx, stmt, attr, super_line)[:1]  # a non-persistent buffer is not saved either
        return self.report(ctx, stmt, message, fixes=fixes, related=assignment_path(ctx, steps, stmt, where))

    def stale_after_move(
        self, ctx: FileContext, info: ClassInfo, init: Function, forward: Function, super_line: int | None
    ) -> Iterator[Finding]:
        """A cache ``forward`` builds once (``if self.mask is None: self.mask = ...``) where the file
        runs the model, moves it and runs it again: the second run meets the cache on the first
        run's device (darts#3052). The fix registers the placeholder as a non-persistent buffer,
        which ``forward``'s assignment then fills and ``.to()`` moves."""
        for cache in stale_caches(ctx, info, init, forward):
            attr = cache.attr
            listed = isinstance(cache.built.value, (ast.List, ast.Tuple, ast.ListComp))
            message = (
                f"`self.{attr}` is built once in `forward` (while it is None) and kept as a plain"
                f" {'list of tensors' if listed else 'tensor attribute'}: the model runs (line"
                f" {cache.first_run.lineno}), is moved (line {cache.move.lineno}) and runs again, but the move"
                f" leaves the cached {'tensors' if listed else 'tensor'} on the first run's device;"
                f" {'rebuild it when the device changes' if listed else 'register it as a buffer in `__init__`'}"
            )
            steps = [
                Step(cache.built.value, f"`self.{attr}` is built here, on the device of the first call's input"),
                Step(cache.use, "used here in every call"),
                Step(cache.first_run, "the first run builds it"),
                Step(cache.move, "the move leaves it behind: it is no parameter or buffer"),
                Step(cache.second_run, "this run meets it on the old device"),
            ]
            message_path = f"assigned to a plain attribute `self.{attr}` in `forward`, not registered as a buffer"
            related = assignment_path(ctx, steps, cache.built, message_path)
            fixes: list[Fix] = []
            placeholder = cache.placeholder
            fixable = not listed and alone_on_lines(ctx, [placeholder])  # a buffer holds one tensor, not a list
            if super_line is not None and placeholder.lineno > super_line and fixable:
                edit = Edit(ctx.doc.node_span(placeholder), f'self.register_buffer("{attr}", None, persistent=False)')
                fixes.append(
                    Fix(
                        f"Register `{attr}` as a non-persistent buffer (`forward` fills it, `.to()` moves it)",
                        (edit,),
                        Applicability.UNSAFE,
                    )
                )
            yield self.report(ctx, cache.built, message, fixes=fixes, related=related)

    def container(self, ctx: FileContext, stmt: ast.Assign, attr: str, reached: list[Function]) -> Iterator[Finding]:
        """A list or dict of plain tensors made at construction that `forward` reads: the move
        leaves its items behind (registered buffers read back into it too). No fix: each item
        needs a name of its own."""
        uses = [u for m in reached for u in container_uses(ctx, m, attr)]
        if not uses or all(moved_at_use(ctx, u) or moved_in_loop(ctx, u) for u in uses):
            return
        kind = (
            "dict"
            if isinstance(stmt.value, (ast.Dict, ast.DictComp)) or "dict" in source_of(ctx, stmt.value)
            else "list"
        )
        message = (
            f"`self.{attr}` is a plain {kind} of tensors used in `forward`: `model.to(device)` moves parameters and"
            f" buffers, not the items of a {kind}, and `state_dict()` does not save them; register each tensor as a"
            f" buffer and read it by name (a registered buffer read back into the {kind} is left behind as well)"
        )
        steps = [Step(stmt.value, f"`self.{attr}` is made here: a {kind} of tensors made at construction")]
        steps += [Step(use, "used here: its items stay on the CPU after `model.to(device)`") for use in uses[:2]]
        related = assignment_path(ctx, steps, stmt, f"a plain {kind} attribute `self.{attr}`, not registered")
        yield self.report(ctx, stmt, message, related=related)

    def rebuilt_in_init(
        self, ctx: FileContext, info: ClassInfo, init: Function, forward: Function, reached: list[Function]
    ) -> Iterator[Finding]:
        """``self.t = <plain tensor>`` then ``self.t = self.t.permute(...)`` (each later value a
        tensor method of the attribute itself), all in ``__init__``'s own body and nowhere else:
        the last assignment leaves a plain tensor. No fix: ``register_buffer`` refuses a name
        that is already a plain attribute."""
        chains: dict[str, list[ast.Assign]] = {}
        for stmt in init.body:
            target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
            if isinstance(stmt, ast.Assign) and target is not None and is_self_attr(target):
                chains.setdefault(target.attr, []).append(stmt)
        for attr, stmts in chains.items():
            if len(stmts) < 2 or not all(method_of_itself(ctx, s.value, attr) for s in stmts[1:]):
                continue
            if self_reads(stmts[0].value, attr) or not plain_or_returned(ctx, info, stmts[0].value):
                continue
            if not all(placement_free(ctx, s.value) for s in stmts) or set_elsewhere(info, init, attr, stmts):
                continue
            uses = unmoved_uses(ctx, reached, attr)
            if not uses:
                continue
            last = stmts[-1]
            message = (
                f"`self.{attr}` is a plain tensor attribute used in `forward`: `model.to(device)` does not"
                f" move it and `state_dict()` does not save it; register it as a buffer"
            )
            steps = [Step(stmts[0].value, f"`self.{attr}` is made here: a plain tensor")]
            steps += [Step(use, "used here: still on the CPU after `model.to(device)`") for _, use in uses[:2]]
            message_path = f"reassigned to a plain attribute `self.{attr}` in `__init__`, not registered as a buffer"
            yield self.report(ctx, last, message, related=assignment_path(ctx, steps, last, message_path))

    def placed_only_when_given(
        self, ctx: FileContext, info: ClassInfo, init: Function, reached: list[Function], super_line: int | None
    ) -> Iterator[Finding]:
        """``self.t = <plain tensor>``, then ``if device is not None: self.t = self.t.to(device)``
        where ``device`` is a parameter of ``__init__`` that every instantiation in the file leaves
        at (or passes as) ``None``: the move never runs, and the attribute stays a plain CPU tensor."""
        chains: dict[str, list[ast.Assign]] = {}
        for node in own_nodes(init):
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
            if isinstance(node, ast.Assign) and target is not None and is_self_attr(target):
                chains.setdefault(target.attr, []).append(node)
        for attr, stmts in chains.items():
            stmts.sort(key=lambda s: s.lineno)
            if len(stmts) != 2 or stmts[0].lineno == stmts[1].lineno or self_reads(stmts[0].value, attr):
                continue
            made, move = stmts
            parameter = moved_when_given(ctx, init, move, attr)
            if parameter is None or set_elsewhere(info, init, attr, stmts):
                continue
            passed = instantiation_arguments(ctx, init, parameter)
            if not passed or not all(is_none(v) for v in passed):
                continue
            tensors = tensor_values(ctx, init, made.value)
            if tensors is None:
                continue
            uses = unmoved_uses(ctx, reached, attr)
            if not uses:
                continue
            message = (
                f"`self.{attr}` is a plain tensor attribute used in `forward` (moved only when `{parameter}` is"
                f" given, and no instantiation gives it): `model.to(device)` does not move it and `state_dict()`"
                f" does not save it; register it as a buffer"
            )
            steps = [Step(made.value, f"`self.{attr}` is made here: a plain tensor")]
            steps.append(Step(move, f"moved only when `{parameter}` is not None: every instantiation leaves it None"))
            steps += [Step(use, "used here: still on the CPU after `model.to(device)`") for _, use in uses[:2]]
            message_path = f"assigned to a plain attribute `self.{attr}` in `__init__`, not registered as a buffer"
            related = assignment_path(ctx, steps, made, message_path)
            yield self.report(ctx, made, message, fixes=self.fixes(ctx, made, attr, super_line), related=related)

    def chosen_in_branches(
        self, ctx: FileContext, info: ClassInfo, init: Function, reached: list[Function], super_line: int | None
    ) -> Iterator[Finding]:
        """An attribute ``__init__`` binds in exclusive branches, each to a plain tensor or None
        (a focal loss's ``alpha`` from a number, a list or nothing); reported at its first tensor,
        with one fix that registers it in every branch (``register_buffer`` accepts None)."""
        for attr, stmts in branch_assignments(ctx, info, init).items():
            tensors = [s for s in stmts if not is_none(s.value)]
            made = [tensor_values(ctx, init, s.value) for s in tensors]
            if not tensors or any(m is None for m in made) or not all(placement_free(ctx, s.value) for s in stmts):
                continue
            uses = unmoved_uses(ctx, reached, attr)
            if not uses:
                continue
            message = (
                f"`self.{attr}` is a plain tensor attribute in {len(tensors)} of the branches that set it in"
                f" `__init__`, used in `forward`: `model.to(device)` does not move it and `state_dict()` does"
                f" not save it; register it as a buffer"
            )
            steps = [Step(s.value, f"`self.{attr}` is made here: a plain tensor") for s in tensors[:2]]
            steps += [Step(use, "used here: still on the CPU after `model.to(device)`") for _, use in uses[:2]]
            message_path = f"assigned to a plain attribute `self.{attr}` in `__init__`, not registered as a buffer"
            related = assignment_path(ctx, steps, tensors[0], message_path)
            fixes = [self.fixes(ctx, s, attr, super_line) for s in stmts]
            joined = (
                [
                    Fix(f.title, tuple(e for group in fixes for e in group[k].edits), f.applicability)
                    for k, f in enumerate(fixes[0])
                ]
                if all(fixes)
                else []
            )
            yield self.report(ctx, tensors[0], message, fixes=joined, related=related)

    def distribution(self, ctx: FileContext, attr: str, stmt: ast.Assign, calls: list[ast.Call]) -> Finding:
        """No fix: a buffer holds a tensor, not a distribution; the distribution is best made where
        it is used, from tensors on the input's device."""
        kind = source_of(ctx, stmt.value.func) if isinstance(stmt.value, ast.Call) else "distribution"
        message = (
            f"`self.{attr}` is a `{kind}` made in `__init__` from CPU values: a distribution is no module, so"
            f" `model.to(device)` does not move its parameters and `{source_of(ctx, calls[0].func)}(...)` in"
            f" `forward` gives CPU tensors; make it where it is used, from tensors on the input's device"
        )
        steps = [Step(stmt.value, f"`self.{attr}` is made here, on the CPU")]
        steps += [Step(call, "used here: its result is on the CPU after `model.to(device)`") for call in calls[:2]]
        message_path = f"kept in a plain attribute `self.{attr}`: `model.to(device)` moves only parameters and buffers"
        return self.report(ctx, stmt, message, related=assignment_path(ctx, steps, stmt, message_path))

    def path(
        self,
        ctx: FileContext,
        forward: Function,
        stmt: ast.Assign,
        attr: str,
        made: list[ast.Assign],
        uses: list[tuple[Function, ast.Attribute]],
        runners: dict[int, str],
        where_set: str = "`__init__`",
        gpu: ast.Call | None = None,
    ) -> tuple[Related, ...]:
        """Where the tensor is made (and put on a GPU), where it becomes a plain attribute, and where
        `forward` uses it."""
        left = "still on the CPU after `model.to(device)`"
        if gpu is not None:
            chosen = "the GPU `.cuda()` chose" if cuda_call(gpu) else "the default device"
            left = f"on {chosen}, whatever device `model.to(...)` names"
        steps = [
            Step(a.value, f"`{source_of(ctx, a.targets[0])}` is made here {_maker(ctx, a.value)}") for a in made[:2]
        ]
        if not made:
            steps.append(Step(stmt.value, f"a tensor is made here {_maker(ctx, stmt.value)}"))
        if gpu is not None and cuda_call(gpu):
            steps.append(Step(gpu, "put on the current GPU here with `.cuda()`, not by the model's moves"))
        elif gpu is not None:
            steps.append(
                Step(gpu, "the default device is set here: factories make tensors there, not where the model moves")
            )
        for method, use in uses[:2]:
            where = "`forward`" if method is forward else f"`{method.name}` (called from `forward`)"
            if id(method) in runners:
                where = f"`{method.name}` (which {runners[id(method)]})"
            steps.append(Step(use, f"used here in {where}: {left}"))
        message = f"assigned to a plain attribute `self.{attr}` in {where_set}, not registered as a buffer"
        return assignment_path(ctx, steps, stmt, message)

    def fixes(self, ctx: FileContext, stmt: ast.Assign, attr: str, super_line: int | None) -> list[Fix]:
        if super_line is None or stmt.lineno <= super_line or not alone_on_lines(ctx, [stmt]):
            return []
        value = source_of(ctx, stmt.value)
        span = ctx.doc.node_span(stmt)
        persistent = Fix(
            f'Register `{attr}` as a buffer: `self.register_buffer("{attr}", ...)`',
            (Edit(span, f'self.register_buffer("{attr}", {value})'),),
            Applicability.UNSAFE,
        )
        transient = Fix(
            f"Register `{attr}` as a non-persistent buffer (kept out of `state_dict()`)",
            (Edit(span, f'self.register_buffer("{attr}", {value}, persistent=False)'),),
            Applicability.UNSAFE,
        )
        return [persistent, transient]


def _maker(ctx: FileContext, value: ast.expr) -> str:
    helper = file_helper(ctx, value) if isinstance(value, ast.Call) else None
    if helper is not None:
        return f"by `{helper.name}`, which returns a plain tensor"
    passed = passed_function(ctx, value.func) if isinstance(value, ast.Call) else None
    if passed is not None and isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return f"by `{value.func.id}`, which is `{passed}` at every instantiation of the class in this file"
    return "by a torch factory"
