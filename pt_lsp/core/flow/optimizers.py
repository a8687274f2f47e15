"""Which modules' parameters an optimizer updates, and how that is known (PTL201's stepped case).

An ``opt.step()`` changes the parameters it owns in place; a graph kept by
``backward(retain_graph=True)`` that saved one of them then raises "modified by an inplace
operation" on its next backward. The tie from the stepped optimizer to the modules is:

- *built*: the optimizer is built in the file from ``M.parameters()`` (or from a list of such
  parameters assigned to a name), under the path it is stepped by (``opt_d``, ``self.opt_d``),
  or as an attribute of a class of the file stepped through an object (``agent.critic_optim``
  where a class's ``__init__`` has ``self.critic_optim = Adam(self.critic.parameters())``:
  the modules are ``agent.critic``);
- *handed*: a class of the file keeps the optimizer and the module from its constructor's
  parameters (``self.d_optim = d_optim``, ``self.D = discriminator``), and a construction in
  this file or another file of the project passes an optimizer built from the parameters of the
  module it passes too (``BiGAN(D, G, Adam(D.parameters()), ...)``: audit-10 M1); counts as built;
- *named*: nothing builds it in view (a function parameter, an object of another file), but
  its name names its module: ``critic_optim``, ``optimizer_critic``, ``agent.actor_optimizer``
  step ``critic``, ``critic``, ``agent.actor``; an ``optimizer`` attribute steps the object
  holding it (``agent.actor.optimizer``: ``agent.actor``). The name is the only evidence.

Under torch 2.13 (tests/flow/test_audit9_retain_then_step.py) an optimizer of unknown parameters
stepped between two backwards of one loss does not always raise: the step of a model off the
graph, or of a one-layer model applied to data (its weight is not saved), leaves the kept graph
valid. So only a *built* tie on a proven graph node is a proven failure; the rest is reported as
likely.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import vocabulary as api
from ..context import PerFile
from ..walk import NodeIndex, attr_path

if TYPE_CHECKING:
    from ..context import FileContext

PARAMETER_METHODS = ("parameters", "named_parameters")
# `critic_optim`, `optimizer_actor`, `actor_opt`, `critic_optimiser`: the stem names the module
_TOKEN = "(?:optim|optimizer|optimiser|opt)"
_NAMED = re.compile(rf"^(?:(?P<stem1>[a-z][a-z0-9]*)_{_TOKEN}|{_TOKEN}_(?P<stem2>[a-z][a-z0-9]*))$")
_ALONE = ("optim", "optimizer", "optimiser", "opt")


@dataclass(frozen=True)
class Tie:
    modules: frozenset[str]
    built: bool  # from a construction in the file; else from the optimizer's name only


def optimizer_tie(ctx: FileContext, path: str) -> Tie | None:
    """The modules stepped by ``path.step()`` (and the names bound to them by a method that
    returns the module itself: ``G = generator.to(device)``), or None where nothing ties them."""
    tie = _tie(ctx, path)
    if tie is None:
        return None
    aliases = module_aliases(ctx)
    more = frozenset(alias for module in tie.modules for alias in aliases.get(module, ()))
    return Tie(tie.modules | more, tie.built) if more - tie.modules else tie


@PerFile
def module_aliases(ctx: FileContext) -> dict[str, frozenset[str]]:
    """``generator`` -> ``{"G"}`` for ``G = generator.to(device)`` (``.cuda()``, ``.train()``, ...:
    nn.Module's methods that return the module itself) or ``G = generator``, once per file."""
    found: dict[str, set[str]] = {}
    for assign in ctx.index.of(ast.Assign):
        value: ast.expr = assign.value
        moved = False
        while (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in api.MODULE_SELF_METHODS
        ):
            value, moved = value.func.value, True
        source = attr_path(value) if moved or isinstance(value, (ast.Name, ast.Attribute)) else None
        if source is None:
            continue
        for target in assign.targets:
            alias = attr_path(target)
            if alias is not None and alias != source:
                found.setdefault(source, set()).add(alias)
    return {source: frozenset(aliases) for source, aliases in found.items()}


def _tie(ctx: FileContext, path: str) -> Tie | None:
    built = built_optimizers(ctx)
    if path in built:  # a group of a module's parameters: which ones the graph saved is unknown
        return Tie(built[path], path not in _built_per_file(ctx)[1])
    handed = constructor_ties(ctx)
    if path in handed:
        return Tie(handed[path], True)
    given = function_ties(ctx)
    if path in given:
        return Tie(given[path], True)
    prefix, _, last = path.rpartition(".")
    if prefix and prefix != "self" and f"self.{last}" in built:  # an attribute of a class of the file
        moved = frozenset(prefix + owner[4:] for owner in built[f"self.{last}"] if owner.split(".")[0] == "self")
        if moved:
            return Tie(moved, True)
    if last.lower() in _ALONE:
        return Tie(frozenset({prefix}), False) if prefix and prefix != "self" else None
    match = _NAMED.match(last.lower())
    if match is None:
        return None
    stem = match.group("stem1") or match.group("stem2")
    return Tie(frozenset({f"{prefix}.{stem}" if prefix else stem}), False)


def named_optimizer(path: str) -> bool:
    """Whether ``path``'s last part names an optimizer (``critic_optim``, ``agent.actor.optimizer``)."""
    last = path.rpartition(".")[2].lower()
    return last in _ALONE or _NAMED.match(last) is not None


@PerFile
def _built_per_file(ctx: FileContext) -> tuple[dict[str, frozenset[str]], set[str]]:
    """``_built`` of the file, once per file."""
    return _built(ctx.index)


def built_optimizers(ctx: FileContext) -> dict[str, frozenset[str]]:
    """Each variable assigned a call whose first argument holds ``X.parameters()`` (an optimizer,
    in practice) -> those ``X``: one scan of the file's assignments, once per file. A name in the
    first argument is read through its assignments (``params = list(G.parameters()) + ...``)."""
    return _built_per_file(ctx)[0]


def _built(index: NodeIndex) -> tuple[dict[str, frozenset[str]], set[str]]:
    """``built_optimizers`` of the file of ``index``, and the paths built from a part of a
    module's parameters."""
    partial: set[str] = set()
    lists: dict[str, set[str]] = {}
    groups: set[str] = set()  # lists of a part of a module's parameters, which part unknown
    pairs_of: list[tuple[ast.expr, ast.expr]] = []
    for assign in index.of(ast.Assign):
        for target in assign.targets:
            value = assign.value
            if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
                pairs_of.extend(zip(target.elts, value.elts))  # `opt_g, opt_d = Adam(...), Adam(...)`
            elif isinstance(target, ast.Tuple) and _is_parameters(value, suffix=True):
                # `main, sc = model.grouped_parameters()`: each a part of model's parameters
                func = value.func if isinstance(value, ast.Call) else None
                owner = attr_path(func.value) if isinstance(func, ast.Attribute) else None
                for elt in target.elts:
                    if owner and isinstance(elt, ast.Name):
                        lists.setdefault(elt.id, set()).add(owner)
                        groups.add(elt.id)
            else:
                pairs_of.append((target, value))
    for bound, value in pairs_of:  # parameter lists first: `params = [*G.parameters(), *E.parameters()]`
        if isinstance(bound, ast.Name) and (
            not isinstance(value, ast.Call) or _is_list_call(value) or _is_parameters(value)
        ):
            owners = parameter_owners(value)
            if owners and isinstance(bound, ast.Name):
                lists.setdefault(bound.id, set()).update(owners)
    found: dict[str, set[str]] = {}
    for bound, value in pairs_of:
        path = attr_path(bound)
        if (
            path
            and isinstance(value, ast.Call)
            and value.args
            and not _is_list_call(value)
            and not _is_parameters(value)
        ):
            first = value.args[0]
            owners = parameter_owners(first)
            for node in ast.walk(first):
                if isinstance(node, ast.Name) and node.id in lists:
                    owners |= lists[node.id]
                    if node.id in groups:
                        partial.add(path)
            if owners:
                found.setdefault(path, set()).update(owners)
    return {path: frozenset(owners) for path, owners in found.items()}, partial


def _is_list_call(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("list", "tuple")


def _is_parameters(value: ast.expr, suffix: bool = False) -> bool:
    """``m.parameters()``; with ``suffix``, any method named so (``m.grouped_parameters()``)."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return False
    return value.func.attr.endswith("parameters") if suffix else value.func.attr in PARAMETER_METHODS


def parameter_owners(expr: ast.AST) -> set[str]:
    """``D`` of every ``D.parameters()`` in an optimizer's first argument."""
    owners = set()
    for node in ast.walk(expr):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in PARAMETER_METHODS:
                owner = attr_path(node.func.value)
                if owner:
                    owners.add(owner)
    return owners


def saved_owners(paths: list[str]) -> frozenset[str]:
    """The modules whose parameters a node saved, from the modules whose forward is running and
    the layer that made it: each path as written, and a ``self.X`` inside ``model``'s forward
    also as ``model.X`` (an optimizer of ``model.encoder.parameters()`` steps it)."""
    resolved: list[str] = []
    paths = [path.removesuffix(".forward") for path in paths]  # `agent.actor.forward(s)` is `agent.actor(s)`
    for path in paths:
        resolved.append(resolved[-1] + path[4:] if path.startswith("self.") and resolved else path)
    return frozenset([*paths, *resolved]) - {""}


@PerFile
def constructor_ties(ctx: FileContext) -> dict[str, frozenset[str]]:
    """``self.d_optim`` -> ``{"self.D"}`` where a class of the file keeps both from its
    constructor's parameters and a construction the file or the project's other files make of it
    passes an optimizer built from the parameters of the module it passes as the other (each
    construction read where it is, without running it). One such construction is enough, as for
    the other facts constructions give (a CUDA flag one of them passes): the method runs that way
    on that instance. A construction with ``*args``/``**kwargs`` leaves the class untied. Only attributes the
    file steps (``self.X.step()``) are looked for; once per file."""
    found: dict[str, frozenset[str]] = {}
    stepped = {
        path[5:]
        for call in ctx.index.of(ast.Call)
        if isinstance(call.func, ast.Attribute)
        and call.func.attr == "step"
        and (path := attr_path(call.func.value) or "").startswith("self.")
        and path.count(".") == 1
    }
    if not stepped:
        return found
    project = ctx.project
    for cls in ctx.index.of(ast.ClassDef):
        init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
        kept = _kept_parameters(init) if init is not None else {}
        if not any(attr in stepped for attrs in kept.values() for attr in attrs):
            continue
        assert init is not None
        sites = [(ctx.index, call) for call in ctx.index.of(ast.Call) if _names(call.func, cls.name)]
        sites += [(unit.index, call) for unit, call in (project.constructions(cls) if project.enabled else [])]
        ties: dict[str, set[str]] = {}
        for index, call in sites:
            passed = _bound_arguments(init, call)
            if passed is None:
                ties.clear()
                break  # *args or **kwargs: what each parameter holds is unknown
            built, partial = _built(index)
            for param, expr in passed.items():
                owners = _optimized(expr, built, partial)
                modules = {
                    f"self.{attr}"
                    for other, given in passed.items()
                    if other != param and attr_path(given) in owners
                    for attr in kept.get(other, ())
                }
                for attr in kept.get(param, ()):
                    if attr in stepped and modules:
                        ties.setdefault(f"self.{attr}", set()).update(modules)
        for path, modules in ties.items():
            found[path] = frozenset(modules) | found.get(path, frozenset())
    return found


@PerFile
def function_ties(ctx: FileContext) -> dict[str, frozenset[str]]:
    """``optimizer_G`` -> ``{"generator"}`` where a function of the file steps its parameter
    ``optimizer_G`` and a call of it in the file passes an optimizer built from the parameters of
    the module it passes as ``generator`` (``train(G, Adam(G.parameters()))``, or an optimizer
    the caller built so): as ``constructor_ties`` for a class. Once per file."""
    found: dict[str, set[str]] = {}
    functions = {f.name: f for f in ctx.index.of(ast.FunctionDef)}
    stepped: dict[str, set[str]] = {}  # function -> its parameters it steps
    for call in ctx.index.of(ast.Call):
        if isinstance(call.func, ast.Attribute) and call.func.attr == "step" and isinstance(call.func.value, ast.Name):
            stepped.setdefault(call.func.value.id, set())
    if not stepped:
        return {}
    built, partial = _built(ctx.index)
    for call in ctx.index.of(ast.Call):
        function = functions.get(call.func.id) if isinstance(call.func, ast.Name) else None
        if function is None or not any(a.arg in stepped for a in function.args.args):
            continue
        passed = _bound_arguments(function, call, skip=0) or {}
        for param, expr in passed.items():
            if param not in stepped:
                continue
            owners = _optimized(expr, built, partial)
            modules = {other for other, given in passed.items() if other != param and attr_path(given) in owners}
            if modules:
                found.setdefault(param, set()).update(modules)
    return {path: frozenset(modules) for path, modules in found.items()}


def _names(func: ast.expr, name: str) -> bool:
    return isinstance(func, ast.Name) and func.id == name


def _kept_parameters(init: ast.FunctionDef) -> dict[str, list[str]]:
    """Parameter -> the attributes of ``self`` that ``__init__`` sets to it, by plain
    assignment (``self.D = discriminator``, ``self.D, self.G = discriminator, generator``)."""
    params = {a.arg for a in [*init.args.posonlyargs, *init.args.args, *init.args.kwonlyargs][1:]}
    kept: dict[str, list[str]] = {}
    for stmt in init.body:
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            continue
        target, value = stmt.targets[0], stmt.value
        pairs = (
            list(zip(target.elts, value.elts))
            if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts)
            else [(target, value)]
        )
        for bound, given in pairs:
            path = attr_path(bound)
            if path and path.startswith("self.") and path.count(".") == 1 and isinstance(given, ast.Name):
                if given.id in params:
                    kept.setdefault(given.id, []).append(path[5:])
    return kept


def _bound_arguments(init: ast.FunctionDef, call: ast.Call, skip: int = 1) -> dict[str, ast.expr] | None:
    """``__init__``'s parameters (a function's, with ``skip=0``) -> the expressions ``call``
    passes them; None with ``*``/``**``."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    positional = [a.arg for a in [*init.args.posonlyargs, *init.args.args][skip:]]
    passed = dict(zip(positional, call.args))
    passed.update((k.arg, k.value) for k in call.keywords if k.arg is not None)
    return passed


def _optimized(expr: ast.expr, built: dict[str, frozenset[str]], partial: set[str]) -> frozenset[str]:
    """The modules an optimizer passed as ``expr`` updates: built there (``Adam(D.parameters())``)
    or a name the file builds so; a part of a module's parameters does not count."""
    if isinstance(expr, ast.Name):
        return built.get(expr.id, frozenset()) if expr.id not in partial else frozenset()
    if isinstance(expr, ast.Call) and expr.args and not _is_list_call(expr) and not _is_parameters(expr):
        return frozenset(parameter_owners(expr.args[0]))
    return frozenset()
