"""Models, losses and helpers of the project's other files, for PTL202's proofs (issue 11).

A training script seldom defines its model and loss itself: ``from models import Classifier``,
``from losses import FocalLoss`` (``reduction="none"`` by default), ``criterion =
get_loss("bce")`` in ``utils.py``. Where a call of this file names such a class or function (the
flow engine's project imports, ``core/flow/project.py``, resolve it), its ``forward`` or its
returned values are read by a prover of that file (its own names, classes and values), with the
arguments of this file's call: an expression of one file is always read by that file's prover
(``owner``), so each name is looked up where it is bound. Nothing is read for a call of a library
(torch's, the standard library's): the resolution is asked only for names the file's imports of
the project bind, once per name (the project memoises it), and each other file's prover is
built once per analysis, when first reached.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import argument_for, returned_values
from pt_lsp.core.flow.project import LIBRARIES
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.autograd._attribute_values import stored_outside
from pt_lsp.rules.autograd._branches import reachable
from pt_lsp.rules.autograd._shape_lattice import Evidence, proof_all

if TYPE_CHECKING:
    from pt_lsp.core.flow.units import Unit
    from pt_lsp.rules.autograd._nonscalar import NonScalar

R = TypeVar("R")
Definition = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef


class ProjectProvers:
    """The provers of the project's other files that one analysis reached, and which of them
    reads an expression. ``active`` is False until the first such prover exists: until then
    every expression is the analysed file's and nobody looks further."""

    def __init__(self, home: NonScalar) -> None:
        self.home = home
        self.provers: dict[str, NonScalar] = {}  # unit path -> its prover
        self.active = False
        self._found: dict[tuple[str, str], tuple[Definition, NonScalar] | None] = {}
        self._passed: dict[tuple[int, str], list[ast.AST] | None] = {}  # (function, parameter) -> arguments
        self._sites: dict[int, list[tuple[Unit, ast.Call]]] = {}  # function -> its calls in other files

    def owner(self, expr: ast.AST, asking: NonScalar) -> NonScalar:
        """The prover whose file ``expr`` is in (``asking``'s, the usual answer, first); a node of
        no file (``f()[0]`` that the values make for ``a, b = f()``) is read by ``asking``."""
        if id(expr) in asking.ctx.index.parents:
            return asking
        for prover in (self.home, *self.provers.values()):
            if prover is not asking and id(expr) in prover.ctx.index.parents:
                return prover
        return asking

    def definition(self, prover: NonScalar, func: ast.expr) -> tuple[Definition, NonScalar] | None:
        """The class or function of another file of the project that ``func`` (a name or dotted
        name of ``prover``'s file) names, with that file's prover."""
        if not isinstance(func, (ast.Name, ast.Attribute)):
            return None
        qualname = prover.ctx.qualname(func)
        binding = None
        if qualname is None and isinstance(func, ast.Name):  # `from .losses import FocalLoss`
            binding = prover.ctx.names.binding(func.id, func)
            if binding is None or binding.qualname is not None:
                return None
            qualname = f".{func.id}@{binding.pos}"
        if qualname is None or qualname.split(".")[0] in LIBRARIES or qualname.startswith("builtins."):
            return None
        project = self.home.ctx.project
        if not project.enabled:
            return None
        key = (prover.ctx.path, qualname)
        if key not in self._found:
            self._found[key] = None
            entity = (
                project.resolve(qualname, prover.unit) if binding is None else project.relative(binding, prover.unit)
            )
            if isinstance(entity, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                unit = project.origin(entity)
                if unit is not None:
                    self._found[key] = entity, self.prover(unit)
        return self._found[key]

    def prover(self, unit: Unit) -> NonScalar:
        there = self.provers.get(unit.path)
        if there is None:
            home = self.home.ctx
            ctx = FileContext(unit.path, unit.doc, unit.tree, budget=home.budget)
            # the unit's parse, names and classes: built once per process for that file
            ctx.__dict__.update(index=unit.index, names=unit.names, class_list=unit.classes, project=home.project)
            there = self.provers[unit.path] = type(self.home)(ctx, self, unit)
            self.active = True
        return there

    def callers(self, prover: NonScalar, function: ast.FunctionDef, parameter: str) -> list[ast.AST] | None:
        """What every call of ``function`` (of the analysed file, which never names it itself) in the
        project's other files passes for ``parameter``: ``train(model, criterion, ...)`` of
        ``main.py`` for ``engine.py``'s ``def train(model, criterion, ...)``. None where there is no
        such call or one passes it some other way (``*args``); each argument is read by the prover
        of its file."""
        if prover is not self.home:
            return None
        key = (id(function), parameter)
        if key not in self._passed:
            self._passed[key] = None
            if id(function) not in self._sites:  # one scan of the project per function
                project = self.home.ctx.project
                self._sites[id(function)] = project.calls(function) if project.enabled else []
            sites = self._sites[id(function)]
            found: list[ast.AST] = []
            for unit, call in sites:
                given = argument_for(call, function, parameter)
                if given is None:
                    return None
                self.prover(unit)  # the argument's file: its prover reads it
                found.append(given)
            self._passed[key] = found or None
        return self._passed[key]

    def forward(
        self, prover: NonScalar, constructor: ast.Call, call: ast.Call, read: Callable[[NonScalar, list[ast.expr]], R]
    ) -> R | None:
        """``read`` (by the prover of its file) of what ``call`` of the instance ``constructor``
        builds returns, where ``constructor`` calls a class of another file: the values its
        ``forward`` (or ``__call__``) returns, its parameters holding ``call``'s arguments and its
        constructor's those of ``constructor``."""
        found = self.definition(prover, constructor.func)
        if found is None:
            return None
        cls, there = found
        if not isinstance(cls, ast.ClassDef):
            return None
        info = there.ctx.class_info(cls)
        returns = there.returns.forward_returns(info) if info is not None else None
        if info is None or returns is None:
            return None
        if not _set_here(prover, cls):  # `if self.reduction == "mean":` as the construction sets it
            returns = reachable(there.ctx, info, constructor, returns)
        with there.values.reading(constructor, call):
            return read(there, returns)

    def function(self, prover: NonScalar, call: ast.Call, read: Callable[[NonScalar, list[ast.AST]], R]) -> R | None:
        """``read`` (by the prover of its file) of the values a function of another file returns
        to ``call`` (``token_loss(logits, ids)``, ``get_loss("bce")``), its parameters holding
        ``call``'s arguments."""
        found = self.definition(prover, call.func)
        if found is None:
            return None
        function, there = found
        if isinstance(function, ast.ClassDef):
            return None
        returned = returned_values(function)
        if not returned or there.values.inside(function):
            return None
        with there.values.calling(function, call):
            return read(there, returned)

    def module_output(self, prover: NonScalar, constructor: ast.Call, call: ast.Call, depth: int) -> Evidence:
        """PTL202's proof for ``call`` of a module of another file: an instance of its class, or
        what a function of it returns (``criterion = get_loss("bce")``)."""
        found = self.forward(
            prover, constructor, call, lambda there, rs: proof_all([there.evidence(r, depth + 1) for r in rs])
        )
        if found is not None:
            return found
        return self.function(
            prover, constructor, lambda there, rs: proof_all([there.constructed_output(r, call, depth + 1) for r in rs])
        )

    def items(
        self, prover: NonScalar, container: ast.expr, key: str | int, depth: int, read: Callable[[ast.AST], R]
    ) -> list[R] | None:
        """``read`` of every value the item ``key`` may be of the dict (or tuple) a module of
        another file returns (``vae(x)["loss"]``, also through ``out = vae(x)``); None where one is
        unknown."""
        if isinstance(container, ast.Name):
            bound = prover.values.of(container)
            if len(bound) != 1 or not isinstance(bound[0], ast.Call) or prover.values.mutated(container):
                return None
            container = bound[0]
        if not isinstance(container, ast.Call) or not isinstance(container.func, (ast.Name, ast.Attribute)):
            return None
        if prover.ctx.qualname(container.func) is not None:
            return None  # a library's call, or a class called without an instance
        built = prover.values.constructors(container.func)
        if len(built) != 1 or not isinstance(built[0], ast.Call):
            return None

        def every(there: NonScalar, returns: list[ast.expr]) -> list[R] | None:
            found: list[R] = []
            for returned in returns:
                items = there.returns.dict_item(returned, key, depth + 1, read)
                if not items:
                    return None  # a return without the item: not this dict
                found += items
            return found

        return self.forward(prover, built[0], container, every)

    def returned(self, prover: NonScalar, call: ast.Call, depth: int) -> Evidence:
        """PTL202's proof for a call of a function of another file."""
        return self.function(prover, call, lambda there, rs: proof_all([there.evidence(r, depth + 1) for r in rs]))


def _set_here(prover: NonScalar, cls: ast.ClassDef) -> bool:
    """``prover``'s file sets an attribute that ``cls`` tests (``crit.reduction = "mean"`` after
    the construction): its branches stay possible."""
    tested = {
        node.attr
        for method in cls.body
        if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef))
        for node in own_nodes(method)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
    }
    return bool(tested & stored_outside(prover.ctx))
